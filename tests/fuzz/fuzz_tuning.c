/* SPDX-License-Identifier: MIT */
/* fuzz_tuning.c - libFuzzer target: a tuning file (sysctl.conf and
 * limits.conf lines) read, classified against connlab's table as a kernel,
 * and written, as `connlab doctor --sysctl FILE` does. `make fuzz` runs it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/tuning.h"
#include "util/textfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "net.ipv4.ip_local_port_range", "fs.nr_open" };
	static const char *const values[] = { "1024 65535", "1048576" };
	struct tuning_scale sc = { .connections = 100000,
				   .files = 200000,
				   .tcp_pages = 30000,
				   .per_process = 16667,
				   .neighbours = 40,
				   .n_lab = 2 };
	struct kernel_view kv;
	struct tuning t;
	FILE *devnull;

	/* what the command reads: text only, as textfile_read refuses the rest */
	if (textfile_binary_at((const char *)data, size) < size)
		return 0;
	snprintf(sc.label, sizeof(sc.label), "lab 'fuzz' (100k connections, hold)");
	memcpy(sc.lab_name, names, sizeof(names));
	memcpy(sc.lab_value, values, sizeof(values));
	tuning_init(&t);
	if (tuning_parse(&t, "fuzz.conf", (const char *)data, size) == 0) {
		kernel_view_table(&kv, 6018, 24ULL << 30);
		tuning_classify(&t, &kv, &sc);
		devnull = fopen("/dev/null", "w");
		if (devnull) {
			tuning_write(&t, &sc, devnull);
			fclose(devnull);
		}
	}
	tuning_free(&t);
	return 0;
}
