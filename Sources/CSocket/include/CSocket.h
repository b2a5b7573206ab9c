#ifndef CAPD_CSOCKET_H
#define CAPD_CSOCKET_H
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

/// Receive up to `vlen` datagrams into `bufs` (each `buflen` bytes); lengths, flags and source
/// addresses are written to the parallel arrays. Returns the count or -1 with errno set.
int capd_recvmmsg(int fd, unsigned char *bufs, size_t buflen, unsigned int vlen,
                  unsigned int *lens, int *flags, struct sockaddr_storage *addrs, int waitforone);

/// Send `vlen` datagrams to one connected or given address. Returns the count sent or -1.
int capd_sendmmsg(int fd, const unsigned char *const *bufs, const unsigned int *lens,
                  unsigned int vlen, const struct sockaddr *to, socklen_t tolen);

#endif
