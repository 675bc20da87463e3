#!/usr/bin/python3
"""Records real client request frames against a running Sluice broker, as codec fixtures.

Starts a loopback TCP proxy in front of the broker, points each client (kcat, kafka-python,
confluent-kafka, kafkajs) at it for a short workload (metadata, produce with each codec, fetch,
a consumer group with commits, admin calls), and writes the first frame of every
(client, API, version) to tests/fixtures/captured/<client>-<Api>-v<version>.bin — without the size
prefix, like tests/fixtures/client-requests. The proxy rewrites nothing; the broker must advertise
the proxy's address, so start it with advertised.listeners=PLAINTEXT://127.0.0.1:<proxy port>.

usage: tools/capture_fixtures.py --broker 127.0.0.1:9092 --listen 19099 [--out DIR]
"""
import argparse
import os
import pathlib
import socket
import struct
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit",
             9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
             13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
             18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics", 21: "DeleteRecords",
             22: "InitProducerId", 23: "OffsetForLeaderEpoch", 32: "DescribeConfigs",
             33: "AlterConfigs", 35: "DescribeLogDirs", 37: "CreatePartitions", 42: "DeleteGroups",
             44: "IncrementalAlterConfigs", 60: "DescribeCluster"}


class Recorder:
    def __init__(self, out):
        self.out = out
        self.client = "unknown"
        self.seen = set()
        self.lock = threading.Lock()

    def record(self, frame):
        api, version = struct.unpack(">hh", frame[:4])
        key = (self.client, api, version)
        with self.lock:
            if key in self.seen:
                return
            self.seen.add(key)
        name = f"{self.client}-{API_NAMES.get(api, f'api{api}')}-v{version}.bin"
        (self.out / name).write_bytes(frame)


def pump_requests(src, dst, recorder):
    buf = b""
    while True:
        data = src.recv(65536)
        if not data:
            break
        dst.sendall(data)
        buf += data
        while len(buf) >= 4:
            size = struct.unpack(">i", buf[:4])[0]
            if len(buf) < 4 + size:
                break
            recorder.record(buf[4:4 + size])
            buf = buf[4 + size:]
    dst.shutdown(socket.SHUT_WR)


def pump(src, dst):
    while True:
        data = src.recv(65536)
        if not data:
            break
        dst.sendall(data)
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(listen_port, broker, recorder):
    host, port = broker.split(":")
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((host, int(port)))
        threading.Thread(target=pump_requests, args=(client, upstream, recorder), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


def run(cmd, **kw):
    subprocess.run(cmd, check=False, timeout=120, capture_output=True, **kw)


def workloads(bootstrap, recorder):
    recorder.client = "kcat"
    run(["kcat", "-b", bootstrap, "-L"])
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
        run(["kcat", "-b", bootstrap, "-P", "-t", "fixtures", "-z", codec, "-K:", "-H", "h=v"],
            input=b"k:v1\nk:v2\n")
    run(["kcat", "-b", bootstrap, "-C", "-t", "fixtures", "-o", "beginning", "-e", "-q"])
    run(["kcat", "-b", bootstrap, "-C", "-G", "kcat-group", "fixtures", "-e", "-q"])

    recorder.client = "kafka-python"
    run(["/usr/bin/python3", "-c", f"""
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient
from kafka.admin import NewTopic, NewPartitions, ConfigResource, ConfigResourceType
p = KafkaProducer(bootstrap_servers='{bootstrap}', compression_type='gzip')
p.send('fixtures', key=b'k', value=b'v', headers=[('h', b'1')]).get(10); p.close()
c = KafkaConsumer('fixtures', bootstrap_servers='{bootstrap}', group_id='kp-group',
                  auto_offset_reset='earliest', consumer_timeout_ms=3000)
list(c); c.commit(); c.close()
a = KafkaAdminClient(bootstrap_servers='{bootstrap}')
a.create_topics([NewTopic('kp-admin', 2, 1)]); a.create_partitions({{'kp-admin': NewPartitions(3)}})
a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-admin')])
a.list_consumer_groups(); a.describe_consumer_groups(['kp-group'])
a.delete_topics(['kp-admin']); a.close()
"""])

    recorder.client = "confluent-kafka"
    run(["/usr/bin/python3", "-c", f"""
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
p = Producer({{'bootstrap.servers': '{bootstrap}', 'compression.type': 'lz4'}})
p.produce('fixtures', key=b'k', value=b'v', headers={{'h': b'1'}}); p.flush(10)
c = Consumer({{'bootstrap.servers': '{bootstrap}', 'group.id': 'ck-group', 'auto.offset.reset': 'earliest'}})
c.subscribe(['fixtures'])
import time; t = time.time()
while time.time() - t < 6: c.poll(0.2)
c.commit(asynchronous=False); c.close()
a = AdminClient({{'bootstrap.servers': '{bootstrap}'}})
for f in a.create_topics([NewTopic('ck-admin', 1, 1)]).values(): f.result(10)
for f in a.describe_configs([ConfigResource('topic', 'ck-admin')]).values(): f.result(10)
for f in a.delete_topics(['ck-admin']).values(): f.result(10)
"""])

    recorder.client = "kafkajs"
    js = ROOT / "tests" / "integration" / "js"
    run(["node", "-e", f"""
const {{ Kafka, CompressionTypes, logLevel }} = require('kafkajs');
(async () => {{
  const kafka = new Kafka({{ brokers: ['{bootstrap}'], logLevel: logLevel.NOTHING }});
  const p = kafka.producer(); await p.connect();
  await p.send({{ topic: 'fixtures', compression: CompressionTypes.GZIP, messages: [{{ key: 'k', value: 'v', headers: {{ h: '1' }} }}] }});
  await p.disconnect();
  const c = kafka.consumer({{ groupId: 'js-group' }}); await c.connect();
  await c.subscribe({{ topic: 'fixtures', fromBeginning: true }});
  await c.run({{ eachMessage: async () => {{}} }});
  await new Promise(r => setTimeout(r, 5000)); await c.disconnect();
  const a = kafka.admin(); await a.connect();
  await a.createTopics({{ topics: [{{ topic: 'js-admin', numPartitions: 1 }}] }});
  await a.fetchTopicOffsets('fixtures'); await a.deleteTopics({{ topics: ['js-admin'] }});
  await a.disconnect();
}})().catch(e => {{ console.error(e); process.exit(1); }});
"""], cwd=js)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "captured"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(out)
    threading.Thread(target=serve, args=(args.listen, args.broker, recorder), daemon=True).start()
    time.sleep(0.3)
    workloads(f"127.0.0.1:{args.listen}", recorder)
    print(f"captured {len(recorder.seen)} frames into {out}")


if __name__ == "__main__":
    sys.exit(main())
