-- Users for the docker-compose MySQL; the same names and grants as scripts/stack/mariadb.sh.
CREATE USER IF NOT EXISTS 'tributary'@'%' IDENTIFIED BY 'tributary';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'tributary'@'%';
GRANT ALL PRIVILEGES ON `_tributary`.* TO 'tributary'@'%';
CREATE USER IF NOT EXISTS 'tributary_test'@'%' IDENTIFIED BY 'tributary_test';
GRANT ALL PRIVILEGES ON *.* TO 'tributary_test'@'%' WITH GRANT OPTION;
