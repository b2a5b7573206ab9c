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

/// Sets the receive buffer: SO_RCVBUFFORCE first (root / CAP_NET_ADMIN may exceed net.core.rmem_max),
/// else SO_RCVBUF. Returns the size the kernel reports afterwards (it doubles the request), or -1.
int capd_set_receive_buffer(int fd, int bytes);

/// Joins a PACKET_FANOUT group on an AF_PACKET socket (e.g. pcap_fileno of a live handle).
/// `mode` is one of the CAPD_FANOUT_* values, `flags` CAPD_FANOUT_FLAG_*. Returns 0 or -1 with errno.
int capd_join_packet_fanout(int fd, unsigned short group, unsigned short mode, unsigned short flags);

/// Sets PACKET_IGNORE_OUTGOING on an AF_PACKET socket: packets sent by this host are not queued to it
/// (the loopback device would otherwise queue each packet twice). Returns 0 or -1 with errno.
int capd_packet_ignore_outgoing(int fd);

/// Datagrams the kernel dropped for this socket since it was opened (SO_MEMINFO, SK_MEMINFO_DROPS:
/// receive buffer full, filter or checksum drops), or -1 with errno. The kernel keeps a 32-bit
/// counter (it wraps after 2^32 drops).
long long capd_socket_drops(int fd);

/// glibc's malloc_trim(0) (malloc.h, which the Glibc module leaves out): hands free heap pages of every
/// arena back to the system. Returns 1 when memory was released.
int capd_malloc_trim(void);

#define CAPD_FANOUT_HASH 0
#define CAPD_FANOUT_LB 1
#define CAPD_FANOUT_CPU 2
#define CAPD_FANOUT_FLAG_DEFRAG 0x8000

/// Flags of recvmmsg results and options, as plain constants (Glibc's module hides some of them).
#define CAPD_MSG_TRUNC 0x20

#endif
