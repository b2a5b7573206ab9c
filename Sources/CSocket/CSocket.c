#define _GNU_SOURCE
#include <malloc.h>
#include "CSocket.h"
#include <string.h>
#include <sys/uio.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>

#define CAPD_MAX_VLEN 256

int capd_recvmmsg(int fd, unsigned char *bufs, size_t buflen, unsigned int vlen,
                  unsigned int *lens, int *flags, struct sockaddr_storage *addrs, int waitforone) {
    struct mmsghdr msgs[CAPD_MAX_VLEN];
    struct iovec iov[CAPD_MAX_VLEN];
    if (vlen > CAPD_MAX_VLEN) vlen = CAPD_MAX_VLEN;
    memset(msgs, 0, sizeof(struct mmsghdr) * vlen);
    for (unsigned int i = 0; i < vlen; i++) {
        iov[i].iov_base = bufs + (size_t)i * buflen;
        iov[i].iov_len = buflen;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = addrs ? &addrs[i] : NULL;
        msgs[i].msg_hdr.msg_namelen = addrs ? sizeof(struct sockaddr_storage) : 0;
    }
    int n = recvmmsg(fd, msgs, vlen, waitforone ? MSG_WAITFORONE : 0, NULL);
    for (int i = 0; i < n; i++) {
        lens[i] = msgs[i].msg_len;
        flags[i] = msgs[i].msg_hdr.msg_flags;
    }
    return n;
}

int capd_sendmmsg(int fd, const unsigned char *const *bufs, const unsigned int *lens,
                  unsigned int vlen, const struct sockaddr *to, socklen_t tolen) {
    struct mmsghdr msgs[CAPD_MAX_VLEN];
    struct iovec iov[CAPD_MAX_VLEN];
    if (vlen > CAPD_MAX_VLEN) vlen = CAPD_MAX_VLEN;
    memset(msgs, 0, sizeof(struct mmsghdr) * vlen);
    for (unsigned int i = 0; i < vlen; i++) {
        iov[i].iov_base = (void *)bufs[i];
        iov[i].iov_len = lens[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = (void *)to;
        msgs[i].msg_hdr.msg_namelen = to ? tolen : 0;
    }
    return sendmmsg(fd, msgs, vlen, 0);
}

int capd_set_receive_buffer(int fd, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) != 0) return -1;
    }
    int actual = 0;
    socklen_t length = sizeof actual;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &length) != 0) return -1;
    return actual;
}

int capd_join_packet_fanout(int fd, unsigned short group, unsigned short mode, unsigned short flags) {
    int value = (int)group | ((int)(mode | flags) << 16);
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &value, sizeof value);
}

int capd_packet_ignore_outgoing(int fd) {
#ifdef PACKET_IGNORE_OUTGOING
    int one = 1;
    return setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#else
    return -1;
#endif
}

long long capd_socket_drops(int fd) {
    unsigned int info[SK_MEMINFO_VARS];
    socklen_t length = sizeof info;
    memset(info, 0, sizeof info);
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) != 0) return -1;
    if (length < sizeof(unsigned int) * (SK_MEMINFO_DROPS + 1)) return -1;
    return (long long)info[SK_MEMINFO_DROPS];
}

int capd_malloc_trim(void) {
    return malloc_trim(0);
}
