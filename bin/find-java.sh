# Sourced by bin/test and bin/jmae: sets JAVA_HOME to a JDK >= 25 or exits with a clear error.
# Order: JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.

jmae_java_major() {
  # Prints the major version of the JDK at $1 (a JAVA_HOME), or nothing when it has no javac.
  local home=$1
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  "$home/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

jmae_find_java() {
  local seen="" major
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(jmae_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME
      return 0
    fi
    seen="JAVA_HOME=$JAVA_HOME (version ${major:-unknown})"
  fi
  local best="" best_major=0 home
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] || continue
    [ -L "$home" ] && continue
    major=$(jmae_java_major "$home")
    [ -n "$major" ] || continue
    seen="$seen${seen:+, }$home (version $major)"
    if [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then
      best=$home
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "jmae: no JDK >= 25 found. Looked at: ${seen:-nothing (JAVA_HOME unset, /usr/lib/jvm empty)}." >&2
    echo "hint: install one (e.g. Temurin 25 from adoptium.net, or openjdk-25-jdk where your distribution has it) or set JAVA_HOME to it." >&2
    exit 1
  fi
  export JAVA_HOME=$best
}

jmae_find_java
export PATH="$JAVA_HOME/bin:$PATH"
