#!/usr/bin/env bash
# The long reliability runs of docs/reliability.md, one after another, when the machine is quiet.
#
#   scripts/reliability-long.sh                 # all of them (about 25 minutes on a 2-core machine)
#   scripts/reliability-long.sh faults load     # only some: torture torture-partitions natsfuzz faults httpfuzz load
#
# Each run's full output goes to target/reliability-long/<name>.log; the figures docs/reliability.md quotes are
# printed at the end (and kept in target/reliability-long/summary.txt). Exit status: 0 when every run passed.
# Needs PostgreSQL and NATS with JetStream as the tests do (OMNI_ROLLUP_TEST_PG / OMNI_ROLLUP_TEST_NATS, else
# 127.0.0.1:5432 and 127.0.0.1:4222, else Docker: README, Tests); the fault runs start their own private
# nats-server and PostgreSQL and never touch those two.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/target/reliability-long"
mkdir -p "$out"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn=("$root/mvnw" -B -ntp)
only_it=(-Dtest=none -Dsurefire.failIfNoSpecifiedTests=false)
# -am: every run builds the modules it uses from this checkout (not whatever ~/.m2 holds)
# the worker-process tests run the launcher's own 'ingest' command, so they live in the deploy module
workers=(-pl deploy -am -Dsurefire.failIfNoSpecifiedTests=false)
deploy=(-pl deploy -am)

declare -A command figures
# item 1: 60 SIGKILLs of 3 worker processes over 120 000 events (about 2 min), unpartitioned
command[torture]="${workers[*]} test -Dtest=CrashTortureTest -Dtorture.kills=60 -Dtorture.events=120000 -Dtorture.workers=3 -Dtorture.partitions=1"
figures[torture]="crash torture:"
# the same with 3 ingest partitions shared by the workers: a kill hands the victim's partitions to the others
command[torture-partitions]="${workers[*]} test -Dtest=CrashTortureTest -Dtorture.kills=60 -Dtorture.events=120000 -Dtorture.workers=3 -Dtorture.partitions=3"
figures[torture-partitions]="crash torture:"
# item 3: 20 000 malformed envelopes among good events (about 1 min)
command[natsfuzz]="${workers[*]} test -Dtest=NatsFuzzTest -Dfuzz.poison=20000"
figures[natsfuzz]="nats fuzz:|Tests run:"
# item 2: 8 cycles of NATS restart, PostgreSQL restart and a 30 s refusal under ingest + serve (about 8 min)
command[faults]="${deploy[*]} verify -Dit.test=InfrastructureFaultsIT -Dfaults.cycles=8 ${only_it[*]}"
figures[faults]="faults:"
# item 4: 100 000 generated requests (about 1 min)
command[httpfuzz]="${deploy[*]} verify -Dit.test=HttpFuzzIT -Dfuzz.requests=100000 ${only_it[*]}"
figures[httpfuzz]="http fuzz:"
# item 6: 10 minutes of mixed load, sampled every 10 s (about 12 min)
command[load]="${deploy[*]} verify -Dit.test=SustainedLoadIT -Dload.seconds=600 -Dload.sample-seconds=10 -Dload.max-clients=64 ${only_it[*]}"
figures[load]="load:"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(torture torture-partitions natsfuzz faults httpfuzz load)
fi

summary="$out/summary.txt"
{
  echo "reliability long runs, $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname): $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB,"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null)"
} | tee "$summary"

status=0
for run in "${runs[@]}"; do
  if [ -z "${command[$run]:-}" ]; then
    echo "unknown run '$run' (torture torture-partitions natsfuzz faults httpfuzz load)" >&2
    exit 2
  fi
  log="$out/$run.log"
  echo "== $run: ./mvnw -B -ntp ${command[$run]}" | tee -a "$summary"
  start=$(date +%s)
  touch "$out/$run.start"
  # shellcheck disable=SC2086
  (cd "$root" && "${mvn[@]}" ${command[$run]}) > "$log" 2>&1
  code=$?
  seconds=$(( $(date +%s) - start ))
  reports="$root/ingest/target/surefire-reports $root/deploy/target/surefire-reports $root/deploy/target/failsafe-reports"
  # shellcheck disable=SC2086
  grep -h -E "${figures[$run]}" "$log" $(find $reports -name '*-output.txt' -newer "$out/$run.start" 2>/dev/null) \
    2>/dev/null | grep -v -E "^\[INFO\] Tests run: [0-9]+, Failures: 0, Errors: 0, Skipped: 0$" | sort -u \
    | tee -a "$summary"
  echo "== $run: exit $code after ${seconds}s, load average now $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
  [ $code -eq 0 ] || status=1
done
exit $status
