"""Certificates for TLS tests and benchmarks, made with the `openssl` command line only, as an
operator would (docs/security.md walks through the same commands):

    pki = Pki(tmp_path / "pki")          # a CA, certificates it signs, another CA, an expired one
    pki.broker.cert, pki.broker.key      # SAN IP:127.0.0.1, DNS:localhost
    pki.identity("alice", "/C=NL/O=Sluice/OU=eng/CN=alice")   # more client certificates
    pki.pkcs12(pki.broker, "secret")     # a PKCS12 key store

or from a shell (bench/tls_bench.sh): python3 tests/integration/tls_certs.py <directory>.

Keys are P-256 EC keys (quick to make) in PKCS#8 PEM, which Java, librdkafka and Python all read.
"""
import pathlib
import subprocess
import sys

DAYS = "30"


def openssl(*args, cwd=None):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{p.stderr}")
    return p.stdout


class Identity:
    """A key and certificate (PEM files), and both in one file (Java's PEM key store)."""

    def __init__(self, directory, name):
        self.name = name
        self.key = directory / f"{name}.key"
        self.cert = directory / f"{name}.pem"
        self.bundle = directory / f"{name}-keystore.pem"

    def write_bundle(self, *chain):
        self.bundle.write_text(self.key.read_text() + self.cert.read_text()
                               + "".join(c.read_text() for c in chain))


class Pki:
    def __init__(self, directory):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca = self._ca("ca", "/CN=Sluice Test CA")
        self.other_ca = self._ca("other-ca", "/CN=Some Other CA")
        self.broker = self.identity("broker", "/CN=localhost/O=Sluice",
                                    san="IP:127.0.0.1,DNS:localhost")
        self.client = self.identity("client", "/C=NL/O=Sluice/OU=eng/CN=alice")
        self.stranger = self.identity("stranger", "/CN=mallory", ca=self.other_ca)
        self.expired = self._expired("expired", "/CN=expired")

    def _ca(self, name, subject):
        ca = Identity(self.dir, name)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(ca.key), "-out", str(ca.cert), "-days", DAYS, "-subj", subject,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return ca

    def _request(self, identity, subject):
        csr = self.dir / f"{identity.name}.csr"
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(identity.key), "-out", str(csr), "-subj", subject)
        return csr

    def identity(self, name, subject, san=None, ca=None):
        """A key and a certificate for `subject`, signed by `ca` (default: the test CA)."""
        ca = ca or self.ca
        ident = Identity(self.dir, name)
        csr = self._request(ident, subject)
        ext = self.dir / f"{name}.ext"
        ext.write_text("basicConstraints=CA:FALSE\n"
                       + (f"subjectAltName={san}\n" if san else ""))
        openssl("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
                "-CAcreateserial", "-out", str(ident.cert), "-days", DAYS, "-sha256",
                "-extfile", str(ext))
        ident.write_bundle(ca.cert)
        return ident

    def _expired(self, name, subject):
        """Valid for January 2020 only: `openssl ca` takes explicit dates (`x509 -req` cannot)."""
        ident = Identity(self.dir, name)
        csr = self._request(ident, subject)
        db = self.dir / "ca-db"
        db.mkdir(exist_ok=True)
        (db / "index.txt").write_text("")
        (db / "serial").write_text("1000\n")
        config = self.dir / "ca.cnf"
        config.write_text(f"[ca]\ndefault_ca = test\n[test]\ndatabase = {db}/index.txt\n"
                          f"new_certs_dir = {db}\nserial = {db}/serial\ndefault_md = sha256\n"
                          "policy = any\n[any]\ncommonName = supplied\n")
        openssl("ca", "-batch", "-config", str(config), "-cert", str(self.ca.cert), "-keyfile",
                str(self.ca.key), "-in", str(csr), "-out", str(ident.cert), "-notext",
                "-startdate", "20200101000000Z", "-enddate", "20200201000000Z")
        ident.write_bundle(self.ca.cert)
        return ident

    def pkcs12(self, identity, password, name=None):
        """`identity`'s key and chain as a PKCS12 key store."""
        out = self.dir / f"{name or identity.name}.p12"
        openssl("pkcs12", "-export", "-in", str(identity.cert), "-inkey", str(identity.key),
                "-certfile", str(self.ca.cert), "-name", "kafka", "-out", str(out),
                "-passout", f"pass:{password}")
        return out

    def broker_ssl_configs(self, prefix="", client_auth=None):
        """server.properties entries for a broker key store (PEM files) and trust store."""
        configs = {
            f"{prefix}ssl.keystore.type": "PEM",
            f"{prefix}ssl.keystore.location": str(self.broker.bundle),
            f"{prefix}ssl.truststore.type": "PEM",
            f"{prefix}ssl.truststore.location": str(self.ca.cert),
        }
        if client_auth:
            configs[f"{prefix}ssl.client.auth"] = client_auth
        return configs


if __name__ == "__main__":  # tls_certs.py <dir>: the certificates in <dir>, for benchmarks
    if len(sys.argv) != 2:
        sys.exit("usage: tls_certs.py <directory>")
    Pki(sys.argv[1])
