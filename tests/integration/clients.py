"""Run the registry-fetched Kafka clients from a test: Apache Kafka's Java clients (3.9 and 4.x
lines, with Kafka Streams), the newest confluent-kafka from PyPI in its own virtualenv, franz-go and
sarama (Go), and @platformatic/kafka (npm).

    from clients import java, confluent_latest, franz, sarama, platformatic

    java("Produce", f"--bootstrap={broker.bootstrap}", "--topic=t", "--count=1000",
         "enable.idempotence=false", line="4.x")
    franz("consume", f"--bootstrap={broker.bootstrap}", "--topic=t", "--count=1000")

Each helper runs one program, which prints one JSON object; the helper returns it parsed. A
non-zero exit raises ClientFailed with the program's stdout and stderr (check=False returns the
JSON with "exit_code" added instead). A client that is not installed raises ClientMissing, naming
the install step: tests never skip for a missing client, and never reach a registry themselves.

What lives where (nothing fetched is in the source tree but node_modules, which git ignores):
  - scripts/install-test-clients.sh fetches everything into CACHE (below) and calls `prepare`.
  - Java: java/<line>/pom.xml pins the versions; Maven copies the jars to CACHE/java/<line>/lib;
    java/src is compiled into CACHE/java/<line>/classes-<hash of sources and pom>, here, on first
    use after a change (javac needs no network).
  - Go: go/go.mod + go.sum pin the modules; the module and build caches are CACHE/go/{mod,build};
    the binary is CACHE/go/bin/sluice-goclients-<hash of go/>, built here with GOPROXY=off.
  - confluent-kafka: python/requirements-confluent.txt, installed into CACHE/venv-confluent.
  - @platformatic/kafka: js/package.json + package-lock.json, npm ci into js/node_modules.

CACHE is $SLUICE_CLIENTS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/sluice.

Run by hand (Debian's /usr/bin/python3 is enough):
    python3 tests/integration/clients.py prepare            compile/build what is stale
    python3 tests/integration/clients.py versions           what each client is, as JSON
    python3 tests/integration/clients.py java 4.x Produce --bootstrap=127.0.0.1:9092 ...
    python3 tests/integration/clients.py franz|sarama|platformatic SUBCOMMAND ...
    python3 tests/integration/clients.py confluent confluent_latest.py produce ...
"""
import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
JAVA_DIR = HERE / "java"
JAVA_SRC = JAVA_DIR / "src"
JAVA_LINES = ("3.9", "4.x")
GO_DIR = HERE / "go"
PY_DIR = HERE / "python"
JS_DIR = HERE / "js"
CONFLUENT_REQUIREMENTS = PY_DIR / "requirements-confluent.txt"
INSTALL = "scripts/install-test-clients.sh"


def cache_dir():
    if os.environ.get("SLUICE_CLIENTS_CACHE"):
        return pathlib.Path(os.environ["SLUICE_CLIENTS_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or str(pathlib.Path.home() / ".cache")
    return pathlib.Path(xdg) / "sluice"


CACHE = cache_dir()


class ClientMissing(AssertionError):
    """A client is not installed (or is stale): the message says what to run."""


class ClientFailed(AssertionError):
    """A client program exited non-zero or printed no JSON."""


def _digest(files, extra=b""):
    h = hashlib.sha256(extra)
    for f in sorted(files):
        h.update(str(f.relative_to(HERE)).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


def file_sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(name):
    """One builder at a time per artefact (ctest runs test files in parallel)."""
    locks = CACHE / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _tool(name, what):
    path = shutil.which(name)
    if path is None:
        raise ClientMissing(f"`{name}` is not on PATH ({what}); run {INSTALL} (it checks the toolchains)")
    return path


# --- Java -------------------------------------------------------------------------------------


def java_lib(line):
    """CACHE/java/<line>/lib, checked against the pom that pinned it."""
    if line not in JAVA_LINES:
        raise ValueError(f"line is one of {JAVA_LINES}, not {line!r}")
    pom = JAVA_DIR / line / "pom.xml"
    home = CACHE / "java" / line
    stamp = home / "lib.stamp"
    if not stamp.exists() or stamp.read_text().strip() != file_sha256(pom):
        raise ClientMissing(f"Kafka Java clients {line} are not installed or older than "
                            f"{pom.relative_to(HERE.parents[1])}: run {INSTALL} (Maven fetches them into {home}/lib)")
    return home / "lib"


def java_classes(line):
    """Compiles java/src (and java/src-<line>: programs that only that line's clients can build,
    such as the 4.x share consumer) against the line's jars into the cache unless that build
    exists; returns it."""
    lib = java_lib(line)
    sources = sorted(JAVA_SRC.rglob("*.java")) + sorted((JAVA_DIR / f"src-{line}").rglob("*.java"))
    key = _digest(sources, extra=(lib.parent / "lib.stamp").read_bytes())[:16]
    classes = lib.parent / f"classes-{key}"
    if (classes / ".complete").exists():
        os.utime(classes)  # in use: not stale (see below)
        return classes
    javac = _tool("javac", "a JDK 17 or newer compiles the Java test programs")
    with _locked(f"java-{line}"):
        if (classes / ".complete").exists():
            return classes
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="classes-", dir=lib.parent))
        proc = subprocess.run([javac, "-nowarn", "-encoding", "UTF-8", "--release", "17", "-d", str(tmp),
                               "-cp", f"{lib}/*", *map(str, sources)], capture_output=True, text=True)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ClientFailed(f"javac of {JAVA_SRC} against Kafka {line} failed:\n{proc.stdout}\n{proc.stderr}")
        (tmp / ".complete").write_text("")
        # Builds of other sources go once unused for a day: another checkout's test run may still
        # be running from its own (deleting it at once broke that run's Java programs mid-way).
        for old in lib.parent.glob("classes-*"):
            if old != tmp and time.time() - old.stat().st_mtime > 24 * 3600:
                shutil.rmtree(old, ignore_errors=True)
        tmp.rename(classes)
    return classes


def java_command(program, *args, line="3.9"):
    classes = java_classes(line)
    lib = java_lib(line)
    java_bin = os.environ.get("SLUICE_JAVA") or _tool("java", "a Java 17 runtime runs the Java test programs")
    return [java_bin, "-XX:+UseSerialGC", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.logFile=System.err", "-cp", f"{classes}:{lib}/*",
            f"sluice.clients.{program}", *args]


def java(program, *args, line="3.9", timeout=300, check=True):
    """Runs sluice.clients.<program> (Produce, Consume, TxnLoop, StreamsWordCount, AdminOps) on
    Kafka's Java clients of `line` ("3.9" or "4.x"); args are --option=value and client key=value."""
    return _run(java_command(program, *args, line=line), f"java {line} {program}", timeout, check)


# --- Go -----------------------------------------------------------------------------------------


def go_env(online=False):
    env = {**os.environ,
           "GOMODCACHE": str(CACHE / "go" / "mod"),
           "GOCACHE": str(CACHE / "go" / "build"),
           "GOFLAGS": "-mod=mod -buildvcs=false",
           "GOTOOLCHAIN": "local"}
    if not online:
        env["GOPROXY"] = "off"
    return env


def go_binary(online=False):
    """CACHE/go/bin/sluice-goclients-<hash>, built from go/ unless that build exists."""
    files = [p for p in GO_DIR.iterdir() if p.suffix == ".go" or p.name in ("go.mod", "go.sum")]
    binary = CACHE / "go" / "bin" / f"sluice-goclients-{_digest(files)[:16]}"
    if binary.exists():
        return binary
    go = _tool("go", "Go 1.26 or newer builds the franz-go and sarama programs")
    with _locked("go"):
        if binary.exists():
            return binary
        binary.parent.mkdir(parents=True, exist_ok=True)
        tmp = binary.with_suffix(".tmp")
        proc = subprocess.run(["nice", go, "build", "-trimpath", "-o", str(tmp), "."], cwd=GO_DIR,
                              env=go_env(online), capture_output=True, text=True)
        if proc.returncode != 0:
            hint = "" if online else f"\n(if a module is missing from {CACHE / 'go' / 'mod'}, run {INSTALL})"
            raise (ClientFailed if online else ClientMissing)(
                f"go build in {GO_DIR} failed:\n{proc.stdout}{proc.stderr}{hint}")
        tmp.rename(binary)
        for old in binary.parent.glob("sluice-goclients-*"):
            if old != binary:
                old.unlink()
    return binary


def franz(subcommand, *args, timeout=300, check=True):
    """franz-go: produce, consume, txn or admin (see go/main.go for the flags)."""
    return _run([str(go_binary()), "franz", subcommand, *args], f"franz-go {subcommand}", timeout, check)


def sarama(subcommand, *args, timeout=300, check=True):
    """IBM sarama: produce or consume (see go/main.go for the flags)."""
    return _run([str(go_binary()), "sarama", subcommand, *args], f"sarama {subcommand}", timeout, check)


# --- confluent-kafka, newest from PyPI ----------------------------------------------------------


def confluent_venv():
    venv = CACHE / "venv-confluent"
    stamp = venv / "sluice.stamp"
    python = venv / "bin" / "python"
    if not python.exists() or not stamp.exists() or stamp.read_text().strip() != file_sha256(CONFLUENT_REQUIREMENTS):
        raise ClientMissing(f"the confluent-kafka virtualenv {venv} is missing or older than "
                            f"{CONFLUENT_REQUIREMENTS.name}: run {INSTALL}")
    return python


def confluent_latest(script, *args, timeout=300, check=True):
    """Runs tests/integration/python/<script> (e.g. confluent_latest.py) in the confluent-kafka venv."""
    path = PY_DIR / script
    if not path.exists():
        raise FileNotFoundError(path)
    return _run([str(confluent_venv()), str(path), *args], f"confluent-kafka {script}", timeout, check)


def confluent_latest_code(source, *args, timeout=300, check=True):
    """Runs a Python snippet in the confluent-kafka venv (sys.argv[1:] = args); it prints JSON last."""
    return _run([str(confluent_venv()), "-c", source, *args], "confluent-kafka snippet", timeout, check)


# --- @platformatic/kafka ------------------------------------------------------------------------


def platformatic(mode, *args, timeout=300, check=True):
    """@platformatic/kafka: js/platformatic.mjs produce, consume or txn."""
    pinned = json.loads((JS_DIR / "package.json").read_text())["dependencies"]["@platformatic/kafka"]
    installed = JS_DIR / "node_modules" / "@platformatic" / "kafka" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned:
        raise ClientMissing(f"@platformatic/kafka {pinned} is not in {installed.parent}: run {INSTALL} (npm ci)")
    node = _tool("node", "Node.js 20.19 or newer runs @platformatic/kafka")
    return _run([node, str(JS_DIR / "platformatic.mjs"), mode, *args], f"@platformatic/kafka {mode}", timeout,
                check, cwd=JS_DIR)


# --- running ------------------------------------------------------------------------------------


def _run(cmd, name, timeout, check, cwd=None):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise ClientFailed(f"{name} still running after {timeout}s (its own deadline should have ended it)\n"
                           f"stdout:\n{_tail(e.stdout)}\nstderr:\n{_tail(e.stderr)}") from None
    return _result(cmd, name, proc.returncode, proc.stdout, proc.stderr, check)


def _result(cmd, name, returncode, stdout, stderr, check):
    """The program's last stdout line as JSON, with its exit code and stderr's tail."""
    result = None
    for line in reversed(stdout.splitlines()):
        if line.strip():
            try:
                result = json.loads(line)
            except ValueError:
                pass
            break
    if returncode != 0 and check:
        raise ClientFailed(f"{name} exited {returncode}: {' '.join(cmd[-12:])}\n"
                           f"stdout:\n{_tail(stdout)}\nstderr:\n{_tail(stderr)}")
    if not isinstance(result, dict):
        raise ClientFailed(f"{name} printed no JSON object (exit {returncode})\n"
                           f"stdout:\n{_tail(stdout)}\nstderr:\n{_tail(stderr)}")
    result["exit_code"] = returncode
    result["stderr_tail"] = _tail(stderr, 2000)
    return result


class Background:
    """A client program running while the test does something else (kills a broker, say)."""

    def __init__(self, cmd, name, workdir):
        self.cmd, self.name = cmd, name
        workdir.mkdir(parents=True, exist_ok=True)
        self._out = open(workdir / f"{name.replace(' ', '-')}.out", "w+")
        self._err = open(workdir / f"{name.replace(' ', '-')}.err", "w+")
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                     text=True)

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout, check=True):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise ClientFailed(f"{self.name} still running after {timeout}s") from None
        self._out.seek(0)
        self._err.seek(0)
        out, err = self._out.read(), self._err.read()
        self._out.close()
        self._err.close()
        return _result(self.cmd, self.name, code, out, err, check)


def java_background(program, *args, workdir, line="3.9"):
    """java(), started and left running: .wait(timeout) gives its JSON."""
    return Background(java_command(program, *args, line=line), f"java {line} {program}", workdir)


def _tail(text, limit=6000):
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return text if len(text) <= limit else "..." + text[-limit:]


# --- preparing and asking -----------------------------------------------------------------------


def prepare(online=False):
    """Compiles the Java programs for each line and builds the Go binary, where stale; with
    online=True the go command may fetch modules missing from the cache (install step only)."""
    built = {}
    for line in JAVA_LINES:
        built[f"java-{line}"] = str(java_classes(line))
    built["go"] = str(go_binary(online=online))
    confluent_venv()
    return built


VERSIONS_SNIPPET = ("import json, confluent_kafka as c\n"
                    "v = lambda x: x[0] if isinstance(x, tuple) else str(x)\n"
                    "print(json.dumps({'client_version': v(c.version()), 'librdkafka_version': v(c.libversion())}))")


def versions():
    """What each client is, read from what is installed (not from the pins)."""
    out = {}
    for line in JAVA_LINES:
        jars = sorted(p.name for p in java_lib(line).glob("*.jar"))
        out[f"java-{line}"] = [j for j in jars if j.startswith(("kafka-", "slf4j-"))]
    out["confluent-kafka"] = {k: v for k, v in confluent_latest_code(VERSIONS_SNIPPET).items()
                              if k.endswith("version")}
    mods = {}
    for line in (GO_DIR / "go.mod").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in ("github.com/twmb/franz-go", "github.com/twmb/franz-go/pkg/kadm",
                                  "github.com/IBM/sarama"):
            mods[parts[0]] = parts[1]
    out["go"] = mods
    installed = JS_DIR / "node_modules" / "@platformatic" / "kafka" / "package.json"
    out["@platformatic/kafka"] = json.loads(installed.read_text())["version"] if installed.exists() else None
    return out


def main(argv):
    if not argv:
        print(__doc__)
        return 64
    cmd, rest = argv[0], argv[1:]
    try:
        if cmd == "prepare":
            print(json.dumps(prepare(online="--online" in rest)))
        elif cmd == "versions":
            print(json.dumps(versions(), indent=2))
        elif cmd == "java":
            print(json.dumps(java(rest[1], *rest[2:], line=rest[0], check=False)))
        elif cmd in ("franz", "sarama", "platformatic"):
            print(json.dumps(globals()[cmd](rest[0], *rest[1:], check=False)))
        elif cmd == "confluent":
            print(json.dumps(confluent_latest(rest[0], *rest[1:], check=False)))
        else:
            print(__doc__)
            return 64
    except (ClientMissing, ClientFailed) as e:
        print(f"clients.py {cmd}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
