/* SPDX-License-Identifier: MIT */
/* embed.c - lab/default.lab compiled into the binary. The Makefile runs
 * the compiler from the top of the tree, so the path is relative to it. */
__asm__(".section .rodata\n"
	".global connlab_default_lab\n"
	".global connlab_default_lab_end\n"
	"connlab_default_lab:\n"
	".incbin \"lab/default.lab\"\n"
	"connlab_default_lab_end:\n"
	".byte 0\n"
	".previous\n");
