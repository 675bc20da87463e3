// sluiced: the Sluice broker. Until the network server lands (issue #4) it says so and exits.
#include <cstdio>

int main(int argc, char** argv) {
  std::fprintf(stderr,
               "sluiced: the broker's network server is not built yet (issue #4); "
               "config %s was not started\n",
               argc > 1 ? argv[1] : "(none)");
  return 1;
}
