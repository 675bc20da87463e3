// tcp_ceiling: the machine's ceilings for bench/broker_bench.sh, over loopback TCP.
//   tcp_ceiling file <bytes> <path> [chunk]   a sender thread writes <bytes> to a socket in <chunk>
//       writes (default 1 MiB); a receiver thread reads them and appends them to <path> with
//       write(2), as a broker appends produced batches to a segment (no fsync).
//   tcp_ceiling sendfile <path>              sendfile(2) of the whole file to a socket; the
//       receiver reads into a buffer and drops it, as a consumer's socket read does.
// Prints one line of key=value pairs: bytes, seconds, MiB/s and the CPU seconds the process used.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tcp_ceiling: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Listens on an ephemeral loopback port; returns the listening socket and sets `port`.
int listen_loopback(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 1) != 0) die("listen");
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) die("getsockname");
  port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
  return fd;
}

// Reads the connection to its end; appends every read to `out_fd` unless it is -1. Returns bytes.
uint64_t receive(int listen_fd, int out_fd) {
  int fd = accept(listen_fd, nullptr, nullptr);
  if (fd < 0) die("accept");
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    for (ssize_t off = 0; out_fd >= 0 && off < n;) {
      ssize_t w = write(out_fd, buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno != EINTR) die("write file");
      if (w > 0) off += w;
    }
  }
  close(fd);
  return total;
}

void report(const char* name, uint64_t bytes, double seconds, double cpu) {
  std::printf("%s bytes=%llu seconds=%.3f mib_s=%.1f cpu_s=%.2f\n", name,
              static_cast<unsigned long long>(bytes), seconds,
              static_cast<double>(bytes) / seconds / (1024.0 * 1024.0), cpu);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (!((mode == "file" && (argc == 4 || argc == 5)) || (mode == "sendfile" && argc == 3))) {
    std::fprintf(stderr, "usage: tcp_ceiling file <bytes> <path> [chunk] | sendfile <path>\n");
    return 2;
  }
  uint16_t port = 0;
  int listen_fd = listen_loopback(port);
  double cpu0 = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  uint64_t received = 0;
  if (mode == "file") {
    uint64_t bytes = std::strtoull(argv[2], nullptr, 10);
    size_t chunk = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : size_t{1} << 20;
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0 || chunk == 0) die("open output");
    std::vector<char> data(chunk);
    std::mt19937_64 rng(42);
    for (char& c : data) c = static_cast<char>(rng());
    std::thread receiver([&] { received = receive(listen_fd, out); });
    int fd = connect_loopback(port);
    for (uint64_t sent = 0; sent < bytes;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, bytes - sent));
      ssize_t w = write(fd, data.data(), n);
      if (w < 0 && errno != EINTR) die("write socket");
      if (w > 0) sent += static_cast<uint64_t>(w);
    }
    close(fd);
    receiver.join();
    close(out);
  } else {
    int in = open(argv[2], O_RDONLY | O_CLOEXEC);
    struct stat st{};
    if (in < 0 || fstat(in, &st) != 0) die("open input");
    std::thread receiver([&] { received = receive(listen_fd, -1); });
    int fd = connect_loopback(port);
    off_t offset = 0;
    while (offset < st.st_size) {
      ssize_t n = sendfile(fd, in, &offset, static_cast<size_t>(st.st_size - offset));
      if (n < 0 && errno != EINTR) die("sendfile");
      if (n == 0) break;
    }
    close(fd);
    receiver.join();
    close(in);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report(mode == "file" ? "tcp_to_file" : "sendfile", received, seconds, cpu_seconds() - cpu0);
  return 0;
}
