/* A diagnostic, not a deployment aid: sets TCP_NODELAY on every socket a process accepts, so
 * that a benchmark can show how much of a route's tail latency on stock Spin 4.1 is the
 * missing `set_nodelay` (bench/analysis.md, "Head and body together").
 *
 *   cc -shared -fPIC -O2 -o nodelay.so nodelay.c -ldl
 *   LD_PRELOAD=$PWD/nodelay.so SPIN_BIN=... bench/run --runtime spin --routes "me"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int with_nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

int accept(int socket, struct sockaddr *address, socklen_t *length) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = dlsym(RTLD_NEXT, "accept");
    return with_nodelay(real(socket, address, length));
}

int accept4(int socket, struct sockaddr *address, socklen_t *length, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = dlsym(RTLD_NEXT, "accept4");
    return with_nodelay(real(socket, address, length, flags));
}
