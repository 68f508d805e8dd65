# Sourced by kafka.sh, registry.sh and connect.sh: the pid-file life of one Java server of
# the local stack. The sourcing script defines log, err, HOST, PID_FILE and LOG_FILE, and
# DAEMON_CMDLINE, a regex its server's command line matches.

read_pid() { [[ -f "$PID_FILE" ]] && tr -dc '0-9' <"$PID_FILE" || true; }

# Alive AND really our server (guards against a recycled pid).
pid_alive() {
  local pid="${1:-}"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE "$DAEMON_CMDLINE" || return 1
  fi
  return 0
}

# Still starting: plain kill -0, not pid_alive. Right after the fork the process may not
# have exec'd java yet (its cmdline is still the subshell's), which pid_alive calls dead.
still_starting() { kill -0 "$1" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

fail_with_log() {
  err "$*"
  if [[ -f "$LOG_FILE" ]]; then
    echo "----- last 40 lines of $LOG_FILE -----" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
    echo "-----" >&2
  fi
  exit 1
}

# Stops the server of the pid file: SIGTERM, then SIGKILL after $1 seconds.
stop_daemon() {
  local grace="$1" pid i
  pid="$(read_pid)"
  if [[ -z "$pid" ]] || ! pid_alive "$pid"; then
    log "not running${pid:+ (stale pid file, pid $pid)}"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after ${grace}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
  log "stopped"
}
