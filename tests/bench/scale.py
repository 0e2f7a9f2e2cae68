#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""connlab at scale, side by side with the baseline and a peer (root).

    tests/bench/scale.py [--quick] [--runs N] [--out DIR]

1. The c1m lab (1,000,000 connections; --quick: 200,000) run by `connlab run`
   and by the baseline (../shared/bench/baseline/limits.c) on the same lab
   topology (`connlab up` of the same lab: the same namespaces, source
   addresses, server ports, and as many processes per side as connlab's plan
   uses), alternating which goes first; median of --runs runs. Measured: time
   to reach the target; user memory per connection as the sum of Pss
   (smaps_rollup) of every process of each, at the target; kernel Slab per
   connection; the teardown (from the end of the hold until every process has
   exited and 95% of the Slab the connections took is back); for connlab also
   the launcher's CPU during the hold and the probes' figures per phase.
2. The setup rate to 100k (tests/bench/engines.sh: connlab's server and flood
   against the baseline's, same topology and processes).
3. A peer: the classic single-process Python gevent server and client
   (Debian's python3-gevent), at the count one process can hold under the
   open-files limit, against connlab's server and flood with one worker each.

Writes DIR/results.md and DIR/results.json (default build/bench) with the
host's facts. Every process is started here and ended by its PID; every lab
is taken down, also on failure."""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONNLAB = os.environ.get("CONNLAB", os.path.join(ROOT, "connlab"))
BASELINE = os.environ.get("BASELINE_DIR", os.path.join(os.path.dirname(ROOT), "shared", "bench", "baseline"))
PY = "/usr/bin/python3"
started = []  # every process started here, to end by PID on the way out
labs_up = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def slab():
    for line in open("/proc/meminfo"):
        if line.startswith("Slab:"):
            return int(line.split()[1]) * 1024
    return 0


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def tree(pids):
    kids, out, todo = children_map(), [], list(pids)
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def pss(pids):
    total = 0
    for p in tree(pids):
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    started.append(p)
    return p


def connlab(*args):
    return subprocess.run([CONNLAB, *args], check=True, capture_output=True, text=True).stdout


def lab_up(lab, name, sets):
    connlab("up", *([lab] if lab else []), "--set", f"lab.name={name}", *sum((["--set", s] for s in sets), []))
    labs_up.append(name)
    return json.loads(connlab("plan", *([lab] if lab else []), "--set", f"lab.name={name}",
                              *sum((["--set", s] for s in sets), []), "--json"))


def lab_down(name):
    for _ in range(100):  # once every process has left it
        if not any(subprocess.run(["ip", "netns", "pids", f"connlab-{name}-{ns}"], capture_output=True,
                                  text=True).stdout.strip() for ns in ("srv", "c0")):
            break
        time.sleep(0.1)
    connlab("down", name)
    labs_up.remove(name)


def ns_exec(name, ns, args, **kw):
    return spawn(["ip", "netns", "exec", f"connlab-{name}-{ns}", *args], **kw)


def slab_back(level, deadline_s=120):
    """Seconds until Slab is at or below level (None past the deadline)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        if slab() <= level:
            return time.monotonic() - t0
        time.sleep(0.1)
    return None


def end(p, sig=signal.SIGTERM, timeout=120):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


# ---- 1. the c1m lab: connlab run and the baseline on its topology ----

def baseline_scale(limits, lab, n, tmp):
    name = f"bb{os.getpid() % 10000}"
    plan = lab_up(lab, name, [f"clients.connections={n}"])
    svc, nports = plan["service_address"], plan["server_ports"]
    port0 = 8081
    s0 = slab()
    srv = ns_exec(name, "srv", [limits, "server", "-b", svc, "-p", str(port0), "-n", str(nports),
                                "-P", str(plan["server_workers"]), "-W", "-s", "30", "-t", "900"],
                  stderr=open(f"{tmp}/bsrv", "w"))
    time.sleep(1)
    inflight = 4000 // len(plan["namespaces"])
    clis = []
    for i, ns in enumerate(plan["namespaces"]):
        ready = f"{tmp}/ready{i}"
        if os.path.exists(ready):
            os.unlink(ready)
        clis.append((ns_exec(name, ns["name"], [limits, "client", "-a", ns["first_address"], "-N", str(ns["addresses"]),
                                                 "-d", svc, "-p", str(port0), "-n", str(nports), "-c", str(ns["connections"]),
                                                 "-k", str(inflight), "-P", str(ns["flood_processes"]), "-t", "600",
                                                 "-H", "600", "-F", ready], stderr=open(f"{tmp}/bcli{i}", "w")), ready))
    t0 = time.monotonic()
    while not all(os.path.exists(r) for _, r in clis):
        if time.monotonic() - t0 > 620 or any(c.poll() is not None for c, _ in clis):
            break
        time.sleep(0.2)
    ramps = []
    for i in range(len(clis)):
        m = re.search(r"READY est=(\d+) in ([\d.]+)s", open(f"{tmp}/bcli{i}").read())
        ramps.append((int(m[1]), float(m[2])) if m else (0, float("nan")))
    time.sleep(2)
    held = sum(e for e, _ in ramps)
    user = pss([srv.pid] + [c.pid for c, _ in clis])
    s_hold = slab()
    # close all: SIGUSR1 ends the clients' hold (they close every socket, timed)
    t_close = time.monotonic()
    for c, _ in clis:
        # the client's parent is the child of `ip netns exec` (which execs it)
        c.send_signal(signal.SIGUSR1)
    for c, _ in clis:
        end(c, signal.SIGUSR1, 300)
    end(srv)
    exited = time.monotonic() - t_close
    # the client closed first: its TIME_WAIT sockets go with the namespaces,
    # as connlab's do at its teardown
    lab_down(name)
    gone = time.monotonic() - t_close
    back = slab_back(s0 + 0.05 * (s_hold - s0))
    return {"held": held, "ramp_s": max(r for _, r in ramps), "user_pss_per_conn": user / max(held, 1),
            "kernel_per_conn": (s_hold - s0) / max(held, 1), "teardown_exit_s": exited,
            "teardown_s": None if back is None else gone + back}


def connlab_scale(lab, n, hold_s, tmp, k):
    out = f"{tmp}/run{k}"
    s0 = slab()
    t0 = time.monotonic()
    p = spawn([CONNLAB, "run", lab, "--set", f"clients.connections={n}", "--set", f"lab.duration={hold_s}s",
               "--out", out], stdout=open(f"{tmp}/crun{k}", "w"), stderr=subprocess.STDOUT)
    p.wait()
    t_exit = time.monotonic() - t0
    r = json.load(open(f"{out}/result.json"))
    held = r["connections"]["established_peak"]
    ph = {x["name"]: x for x in r["phases"]}
    s_hold = s0 + r["memory"]["kernel_slab_per_conn_bytes"] * r["memory"]["connections_measured"]
    back = slab_back(s0 + 0.05 * (s_hold - s0))
    # from the end of the hold: drain, teardown, exit, Slab back
    end_hold = ph["hold"]["end_s"]
    return {"held": held, "exit_status": r["exit_status"], "ramp_s": r["connections"]["ramp_s"],
            "user_pss_per_conn": r["memory"]["user_pss_per_conn_bytes"],
            "kernel_per_conn": r["memory"]["kernel_slab_per_conn_bytes"],
            "launcher_cpu_hold_percent": r["memory"]["launcher_cpu_hold_percent"],
            "teardown_exit_s": t_exit - end_hold, "teardown_s": None if back is None else t_exit - end_hold + back,
            "ping": {p: r["ping"][p] for p in ("before", "ramp", "hold")},
            "probe": {p: r["probe_connect"][p] for p in ("before", "ramp", "hold")},
            "state_dump_cost_s": r["sampler"]["state_dump_cost_s"], "state_dumps": r["sampler"].get("state_dumps"),
            "run_dir": out}


# ---- 3. the gevent peer ----

def peer_gevent(n, tmp):
    name = f"bg{os.getpid() % 10000}"
    sets = [f"clients.connections={n}", "clients.namespaces=1", "clients.addresses=32", "server.ports=8081-8084"]
    plan = lab_up(None, name, sets)
    first = plan["namespaces"][0]["first_address"]
    a, b, c, d = (int(x) for x in first.split("."))
    srcs = ",".join(f"{a}.{b}.{c}.{d + i}" for i in range(32))
    svc = plan["service_address"]
    res = {}
    # gevent: one process per side
    srv = ns_exec(name, "srv", [PY, f"{HERE}/peer_gevent.py", "server", svc, "8081,8082,8083,8084", "30", "600"],
                  stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()
    cli = ns_exec(name, "c0", [PY, f"{HERE}/peer_gevent.py", "client", srcs, svc, "8081,8082,8083,8084", str(n),
                               "1000", "600"], stdout=subprocess.PIPE, text=True)
    m = re.search(r"READY est=(\d+) in ([\d.]+) s", cli.stdout.readline())
    time.sleep(2)
    res["gevent"] = {"held": int(m[1]), "ramp_s": float(m[2]), "user_pss_per_conn": pss([srv.pid, cli.pid]) / max(int(m[1]), 1)}
    end(cli, signal.SIGKILL)
    end(srv, signal.SIGKILL)
    time.sleep(2)
    # connlab: server and flood, one worker each
    srv = ns_exec(name, "srv", [CONNLAB, "server", "--address", svc, "--ports", "8081-8084", "--workers", "1",
                                "--max-connections", str(n + 100), "--mode", "keepalive", "--interval", "30s",
                                "--duration", "600s"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    cli = ns_exec(name, "c0", [CONNLAB, "flood", "--target", svc, "--ports", "8081-8084", "--source",
                               f"{first}-{a}.{b}.{c}.{d + 31}", "--connections", str(n), "--rate", "unlimited",
                               "--inflight", "1000", "--workers", "1", "--duration", "600s"],
                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    last, t0 = {}, time.monotonic()
    for line in cli.stdout:
        last = json.loads(line)
        if last.get("ramp_s") or time.monotonic() - t0 > 120:
            break
    time.sleep(2)
    res["connlab"] = {"held": last.get("established"), "ramp_s": last.get("ramp_s"),
                      "user_pss_per_conn": pss([srv.pid, cli.pid]) / max(last.get("established") or 1, 1)}
    end(cli)
    end(srv)
    lab_down(name)
    return res


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, d=0):
    return "-" if v is None else f"{v:,.{d}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--parts", default="scale,rate,peer", help="which of scale,rate,peer to run")
    args = ap.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    n = 200000 if args.quick else 1000000
    # one process per side: what fits under the open-files limit with
    # connlab's headroom (5%: 19,000 of 20,000)
    n_peer = 10000 if args.quick else 18000
    # the lab's own hold (60 s) in the full run: at 1M a state dump costs
    # about half a second of the launcher's CPU once every ~50 s (1% of a
    # core), so a shorter window would show either none or one of them
    hold = 10 if args.quick else 60
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="connlab-bench.")
    limits = f"{tmp}/limits"
    subprocess.run(["gcc", "-O2", "-o", limits, f"{BASELINE}/limits.c"], check=True)
    lab = os.path.join(ROOT, "lab", "c1m.lab")
    host = {"cpus": os.cpu_count(), "kernel": os.uname().release,
            "memory_gib": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1),
            "fd_limit": __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)[1],
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "connlab": connlab("--version").strip()}
    results = {"host": host, "quick": args.quick, "runs": runs}

    parts = args.parts.split(",")

    def save():
        json.dump(results, open(f"{args.out}/results.json", "w"), indent=2)

    # 1
    base, mine = [], []
    for k in range(runs if "scale" in parts else 0):
        for who in (("baseline", "connlab") if k % 2 == 0 else ("connlab", "baseline")):
            if who == "baseline":
                r = baseline_scale(limits, lab, n, tmp)
                base.append(r)
            else:
                r = connlab_scale(lab, n, hold, tmp, k)
                mine.append(r)
            log(f"scale run {k + 1} {who}: {r['held']:,} held, ramp {r['ramp_s']:.1f} s, user {r['user_pss_per_conn']:.0f} B/conn (Pss), "
                f"kernel {r['kernel_per_conn']:.0f} B/conn, teardown {fmt(r['teardown_s'], 1)} s")
            time.sleep(3)
    results["scale"] = {"connections": n, "baseline": base, "connlab": mine}
    save()

    # 2
    er = subprocess.run([] if "rate" not in parts else[f"{HERE}/engines.sh", str(3 if args.quick else 5), "100000"], capture_output=True, text=True,
                        env={**os.environ, "CONNLAB": CONNLAB, "BASELINE_DIR": BASELINE}) if "rate" in parts else None
    if er:
        log(er.stderr.strip())
    m = er and re.search(r"\| setup rate to \d+, conn/s \| ([\d.]+) \| ([\d.]+) \|", er.stdout)
    mc = er and re.search(r"client side \(RSS growth\) \| ([\d.]+) \| ([\d.]+) \|", er.stdout)
    ms = er and re.search(r"server side \(RSS growth\) \| ([\d.]+) \| ([\d.]+) \|", er.stdout)
    results["rate_100k"] = {"baseline": float(m[1]), "connlab": float(m[2]),
                            "client_bytes": [float(mc[1]), float(mc[2])], "server_bytes": [float(ms[1]), float(ms[2])]} if m else None

    save()

    # 3
    peers = []
    for k in range(runs if "peer" in parts else 0):
        peers.append(peer_gevent(n_peer, tmp))
        log(f"peer run {k + 1}: gevent {peers[-1]['gevent']}, connlab {peers[-1]['connlab']}")
    results["peer_gevent"] = {"connections": n_peer, "runs": peers}

    save()
    md = table(results)
    open(f"{args.out}/results.md", "w").write(md)
    print(md)


def pairs(b, c, key, f):
    """The median over the pairs (run k of each) of f(connlab, baseline)."""
    vals = [f(y[key], x[key]) for x, y in zip(b, c) if x.get(key) and y.get(key) is not None]
    return med(vals)


def verdict(what, v, ok, shown, target):
    word = "not measured" if v is None else "ok" if ok(v) else "OVER"
    return f"- {what}: {shown} (target {target}): {word}"


def table(res):
    s, h = res["scale"], res["host"]
    b, c = s["baseline"], s["connlab"]
    n = s["connections"]

    def m(rows, key):
        return med([r.get(key) for r in rows])

    def ratio(x, y):
        return "-" if x is None or y in (None, 0) else f"{x / y:.2f}"

    L = [f"Host: {h['cpus']} CPUs, {h['memory_gib']} GiB, Linux {h['kernel']}, {h['fd_limit']} open files per process; "
         f"{h['connlab']}; {h['date']}; median of {res['runs']} run(s){' (QUICK)' if res['quick'] else ''}.", "",
         f"| {n:,} connections (lab/c1m.lab topology) | baseline | connlab | connlab / baseline | target |",
         "|---|---|---|---|---|"]
    br, cr = m(b, "ramp_s"), m(c, "ramp_s")
    pair_ratio = pairs(b, c, "ramp_s", lambda x, y: x / y)
    L.append(f"| time to reach {n:,}, s (ratio: median of the pairs' ratios) | {fmt(br, 1)} | {fmt(cr, 1)} | {fmt(pair_ratio, 2)} | <= 1.00 |")
    bu, cu = m(b, "user_pss_per_conn"), m(c, "user_pss_per_conn")
    pair_diff = pairs(b, c, "user_pss_per_conn", lambda x, y: x - y)
    L.append(f"| user memory per connection, B (sum of Pss, every process; connlab - baseline) | {fmt(bu)} | {fmt(cu)} | "
             f"{'-' if pair_diff is None else f'{pair_diff:+.0f} B'} | <= +32 B |")
    L.append(f"| kernel Slab per connection, B | {fmt(m(b, 'kernel_per_conn'))} | {fmt(m(c, 'kernel_per_conn'))} | | reported |")
    bt, ct = m(b, "teardown_s"), m(c, "teardown_s")
    L.append(f"| teardown: end of hold to every socket closed, namespaces gone, 95% of Slab back, s | {fmt(bt, 1)} | {fmt(ct, 1)} | {ratio(ct, bt)} | within a few s |")
    cpu = m(c, "launcher_cpu_hold_percent")
    L.append(f"| launcher CPU during the hold, % of a core | | {fmt(cpu, 2)} | | < 2 |")
    for ph in ("before", "ramp", "hold"):
        p50 = med([r["ping"][ph]["p50_ms"] for r in c])
        mx = med([r["ping"][ph]["max_ms"] for r in c])
        lost = sum(r["ping"][ph]["lost"] for r in c)
        sent = sum(r["ping"][ph]["sent"] for r in c)
        pc = med([r["probe"][ph]["p50_ms"] for r in c])
        pc99 = med([r["probe"][ph]["p99_ms"] for r in c])
        fails = sum(r["probe"][ph]["failures"] for r in c)
        L.append(f"| {ph}: ping p50 / max ms, lost; new connection p50 / p99 ms, failed | | "
                 f"{fmt(p50, 3)} / {fmt(mx, 2)}, {lost} of {sent}; {fmt(pc, 2)} / {fmt(pc99, 1)}, {fails} | | loss 0, RTT <= 2x before |")
    L += ["", f"c1m at the kernel's speed ({len(c)} pair(s), alternating which goes first):",
          verdict("time to reach the target, connlab / baseline", pair_ratio, lambda v: v <= 1.0, f"{fmt(pair_ratio, 2)}x", "<= 1.00x"),
          verdict("user memory per connection, connlab - baseline", pair_diff, lambda v: v <= 32,
                  "-" if pair_diff is None else f"{pair_diff:+.0f} B", "<= +32 B"),
          verdict("launcher CPU in the hold", cpu, lambda v: v < 2, f"{fmt(cpu, 2)}% of a core", "< 2%")]
    r = res.get("rate_100k")
    if r:
        L += ["", "| 100,000 connections, 6 processes per side (tests/bench/engines.sh) | baseline | connlab | connlab / baseline | target |",
              "|---|---|---|---|---|",
              f"| setup rate, conn/s | {fmt(r['baseline'])} | {fmt(r['connlab'])} | {ratio(r['connlab'], r['baseline'])} | >= 0.90 |",
              f"| user bytes per connection, client / server (RSS growth) | {fmt(r['client_bytes'][0])} / {fmt(r['server_bytes'][0])} | "
              f"{fmt(r['client_bytes'][1])} / {fmt(r['server_bytes'][1])} | | |"]
    p = res["peer_gevent"]
    g = [x["gevent"] for x in p["runs"]]
    cc = [x["connlab"] for x in p["runs"]]
    gr, crr = m(g, "ramp_s"), m(cc, "ramp_s")
    gu, cu2 = m(g, "user_pss_per_conn"), m(cc, "user_pss_per_conn")
    L += ["", f"| {p['connections']:,} connections, one process per side | gevent (python3-gevent) | connlab (1 worker) | connlab / gevent |",
          "|---|---|---|---|",
          f"| time to reach, s | {fmt(gr, 2)} | {fmt(crr, 2)} | {ratio(crr, gr)} |",
          f"| rate, conn/s | {fmt(p['connections'] / gr if gr else None)} | {fmt(p['connections'] / crr if crr else None)} | {ratio(gr, crr)} |",
          f"| user memory per connection, B (Pss) | {fmt(gu)} | {fmt(cu2)} | {ratio(cu2, gu)} |"]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
                p.wait()
        for name in list(labs_up):
            subprocess.run([CONNLAB, "down", name], capture_output=True)
