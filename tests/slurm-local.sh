#!/bin/sh
# slurm-local.sh - a one-node Slurm cluster on localhost for the tests:
# munged, slurmctld and slurmd with a generated slurm.conf in DIR, started
# and stopped by pid (nothing system-wide is touched).
#   slurm-local.sh start DIR   prints "export SLURM_CONF=DIR/slurm.conf"
#   slurm-local.sh stop DIR
# Needs root (slurmd runs jobs as the submitting user) and the Debian
# packages slurm-wlm and munge (tests/deps.sh installs them for make test).
set -u
cmd=$1 dir=$2
case $cmd in
start)
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
    chmod 600 "$dir/munge/munge.key"
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/sock" \
        --pid-file="$dir/munge/pid" --log-file="$dir/munge/log" \
        --seed-file="$dir/munge/seed" -f || exit 1
    # Ports away from the defaults and per test run, so a system Slurm and
    # other test runs are left alone.
    port=$((20000 + $$ % 10000 * 2))
    cat >"$dir/slurm.conf" <<CONF
ClusterName=pullsimtest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    SLURM_CONF=$dir/slurm.conf slurmctld -f "$dir/slurm.conf" || exit 1
    SLURM_CONF=$dir/slurm.conf slurmd -f "$dir/slurm.conf" || exit 1
    # Wait (up to 30 s) for the node to be idle.
    i=0
    until SLURM_CONF=$dir/slurm.conf sinfo -h -o %T 2>/dev/null | grep -q idle; do
        i=$((i + 1))
        [ "$i" -gt 30 ] && { echo "slurm-local: node not idle after 30 s" >&2; exit 1; }
        sleep 1
    done
    echo "export SLURM_CONF=$dir/slurm.conf"
    ;;
stop)
    for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    ;;
esac
