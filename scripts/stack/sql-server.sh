# Sourced by mariadb.sh and mysql.sh: what their two servers share. The users the README
# documents (the test user exists only on these local instances), and the stop.
TRIBUTARY_PASSWORD=tributary
TEST_USER=tributary_test
TEST_PASSWORD=tributary_test

# REPLICATION SLAVE/CLIENT read the binlog; SELECT, RELOAD, LOCK TABLES and SHOW DATABASES
# cover the snapshot; the _tributary schema holds watermarks, signals and, with
# store = "mysql", checkpoints. Re-run on every start so an older datadir gets new grants.
users_sql() {
  cat <<SQL
CREATE USER IF NOT EXISTS 'tributary'@'127.0.0.1' IDENTIFIED BY '$TRIBUTARY_PASSWORD';
CREATE USER IF NOT EXISTS 'tributary'@'localhost' IDENTIFIED BY '$TRIBUTARY_PASSWORD';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT
  ON *.* TO 'tributary'@'127.0.0.1', 'tributary'@'localhost';
GRANT ALL PRIVILEGES ON \`_tributary\`.* TO 'tributary'@'127.0.0.1', 'tributary'@'localhost';
CREATE USER IF NOT EXISTS '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
CREATE USER IF NOT EXISTS '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$TEST_USER'@'127.0.0.1', '$TEST_USER'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

# Stops the server of pid file $1 (SIGTERM, then SIGKILL after 30 s) and removes the file;
# returns 1 when it was not running.
stop_server() {
  local pidfile="$1" pid i
  if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
    rm -f "$pidfile"
    return 1
  fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}
