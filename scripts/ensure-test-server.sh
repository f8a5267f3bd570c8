#!/usr/bin/env bash
# Prints the path of an executable that starts Temporal's Java time-skipping test server,
# resolving io.temporal:temporal-test-server and its dependencies from Maven Central once
# into a cache outside the checkout. The executable takes the port as its first argument,
# as TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path' } } }) expects.
set -euo pipefail
VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
CACHE_ROOT="${DUNNING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dunning}"
DIR="$CACHE_ROOT/temporal-test-server/$VERSION"
WRAPPER="$DIR/temporal-test-server"

if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
  [ -x "$TEMPORAL_TEST_SERVER_PATH" ] || { echo "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not executable" >&2; exit 1; }
  echo "$TEMPORAL_TEST_SERVER_PATH"; exit 0
fi
if [ -x "$WRAPPER" ] && [ -f "$DIR/.complete" ]; then echo "$WRAPPER"; exit 0; fi

command -v java >/dev/null 2>&1 || { echo "java is required for the Temporal time-skipping test server (install a JDK 11+)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "mvn (Apache Maven) is required once, to fetch io.temporal:temporal-test-server:$VERSION" >&2; exit 1; }

mkdir -p "$DIR/lib"
cat > "$DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.dunning</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
echo "Fetching io.temporal:temporal-test-server:$VERSION and its dependencies into $DIR (first time only)..." >&2
mvn -q -B -f "$DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DIR/lib" -DincludeScope=runtime >&2

cat > "$WRAPPER" <<WRAP
#!/usr/bin/env bash
# Starts Temporal's time-skipping test server; first argument: the port.
exec java \${TEMPORAL_TEST_SERVER_JAVA_OPTS:--Xmx512m} -cp "$DIR/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
chmod +x "$WRAPPER"
touch "$DIR/.complete"
echo "$WRAPPER"
