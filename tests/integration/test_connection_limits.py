"""Connection limits against the real sluiced (KIP-308/402/612): max.connections.per.ip closes a
connection beyond its address's limit at once while other addresses carry on;
max.connections makes the acceptor wait for a free slot, and an inter-broker connection over it
closes the least recently used client connection; the closes are counted in
sluice_network_connections_closed_total{reason="max_connections_per_ip"}. Loopback only: a
second client address is 127.0.0.2, which Linux routes to lo.
"""
import socket
import struct
import time
import urllib.request

import pytest
from conftest import Broker, wait_for
from kafka_wire import Client

API_VERSIONS_V0 = struct.pack(">ihhih", 10, 18, 0, 7, 0)  # size, key, version, correlation, ""


def metric(b, series):
    text = urllib.request.urlopen(f"http://127.0.0.1:{b.metrics_port}/metrics", timeout=5).read()
    for line in text.decode().splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


CLOSED_PER_IP = 'sluice_network_connections_closed_total{reason="max_connections_per_ip"}'


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def answered(s):
    """Sends ApiVersions v0 and reads the answer: True, or False when the broker closed."""
    try:
        s.sendall(API_VERSIONS_V0)
        head = s.recv(8)
    except (ConnectionResetError, BrokenPipeError):
        return False
    if len(head) < 8:
        return False
    size, correlation = struct.unpack(">ii", head)
    left = size - 4
    while left > 0:
        chunk = s.recv(left)
        assert chunk
        left -= len(chunk)
    return correlation == 7


@pytest.fixture(scope="module")
def per_ip_broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("per-ip"),
               overrides={"max.connections.per.ip": "3",
                          "max.connections.per.ip.overrides": "127.0.0.3:1"}).start()
    yield b
    assert b.stop() == 0


def test_connections_beyond_max_connections_per_ip_are_closed(per_ip_broker):
    b = per_ip_broker
    # The start-up probe's connection may still be counted: wait until three fit.
    kept = wait_for(lambda: _three_answered(b.port), what="three connections from 127.0.0.1")
    before = metric(b, CLOSED_PER_IP)
    extra = connect(b.port)
    assert not answered(extra), "a fourth connection from 127.0.0.1 was served"
    extra.close()
    assert metric(b, CLOSED_PER_IP) >= before + 1
    # The three are unaffected, and so is another address.
    assert all(answered(s) for s in kept)
    other = connect(b.port, "127.0.0.2")
    assert answered(other)
    # Closing one frees its place.
    kept.pop().close()
    again = wait_for(lambda: _served(b.port), what="a connection after one closed")
    for s in kept + [other, again]:
        s.close()


def test_per_ip_overrides(per_ip_broker):
    b = per_ip_broker
    first = connect(b.port, "127.0.0.3")
    assert answered(first)
    second = connect(b.port, "127.0.0.3")
    assert not answered(second)
    first.close()
    second.close()


def _three_answered(port):
    socks = [connect(port) for _ in range(3)]
    if all(answered(s) for s in socks):
        return socks
    for s in socks:
        s.close()
    return None


def _served(port):
    s = connect(port)
    if answered(s):
        return s
    s.close()
    return None


def test_max_connections_makes_the_acceptor_wait_for_a_slot(tmp_path):
    b = Broker(tmp_path / "max-connections", overrides={"max.connections": "2"}).start()
    try:
        a = wait_for(lambda: _served(b.port), what="first connection")
        c = _served(b.port)
        assert c is not None
        # The third is accepted by the kernel but not served while both slots are taken.
        waiting = connect(b.port)
        waiting.sendall(API_VERSIONS_V0)
        waiting.settimeout(0.5)
        with pytest.raises(socket.timeout):
            waiting.recv(8)
        a.close()
        waiting.settimeout(10)
        head = waiting.recv(8)
        assert len(head) == 8 and struct.unpack(">ii", head)[1] == 7
        assert metric(b, 'sluice_network_acceptor_blocked_milliseconds_total{listener="PLAINTEXT"}') > 0
        c.close()
        waiting.close()
    finally:
        assert b.stop() == 0


def test_a_connection_creation_rate_delays_new_connections(tmp_path):
    # 1 connection per second over 2 one-second windows: the third connection in quick
    # succession waits (Kafka measures at least one full window).
    b = Broker(tmp_path / "rate", overrides={"max.connection.creation.rate": "1",
                                             "quota.window.num": "2"}).start()
    try:
        Client(b.port).close()
        Client(b.port).close()
        started = time.monotonic()
        s = connect(b.port)
        assert answered(s)
        s.close()
        assert time.monotonic() - started >= 0.2
        assert metric(b, 'sluice_network_acceptor_blocked_milliseconds_total{listener="PLAINTEXT"}') > 0
    finally:
        assert b.stop() == 0


def test_an_inter_broker_connection_over_max_connections_closes_the_least_recent_client(tmp_path):
    """KIP-402: the inter-broker listener is exempt from max.connections; when one of its
    connections takes the broker over the limit, the least recently used connection of the other
    listeners is closed to make room, as Kafka's processors close their lowest-priority channel."""
    from conftest import free_port
    b = Broker(tmp_path / "lru", overrides={"max.connections": "2"})
    internal = free_port()
    listeners = f"PLAINTEXT://127.0.0.1:{b.port},INTERNAL://127.0.0.1:{internal}"
    with open(b.config_path, "a") as f:
        f.write(f"listeners={listeners}\nadvertised.listeners={listeners}\n"
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n"
                "inter.broker.listener.name=INTERNAL\n")
    b.start()
    try:
        older = wait_for(lambda: _served(b.port), what="first client connection")
        time.sleep(0.05)
        newer = _served(b.port)
        assert newer is not None
        time.sleep(0.05)
        assert answered(newer)  # used last: `older` is the least recently used
        peer = connect(internal)
        assert answered(peer)  # served at once, over the limit
        wait_for(lambda: metric(b, 'sluice_network_connections_closed_total{reason="max_connections"}') == 1,
                 what="a client connection closed")
        assert not answered(older)
        assert answered(newer) and answered(peer)
        for s in (older, newer, peer):
            s.close()
    finally:
        assert b.stop() == 0
