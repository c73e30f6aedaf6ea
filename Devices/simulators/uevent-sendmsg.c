/*
 * Preloaded into the emulators' own process (never into the command they run): a uevent sent to a
 * listener that closed its monitor meanwhile is dropped instead of aborting the emulator.
 *
 * umockdev 0.17.16 (Debian 12) sends each uevent over a fresh AF_UNIX socket connected to every
 * $UMOCKDEV_DIR/event* monitor of the child. When the child closes a monitor (libusb_exit at the
 * end of a test) between that connect and the sendmsg, sendmsg fails with ECONNREFUSED and
 * umockdev calls abort(), which ended a whole `make test` once. Upstream drops the event in that
 * case and retries a full receiver queue (EAGAIN) briefly (umockdev commits 6b45ca7, d4d8366);
 * this does the same for Debian's version.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>

static ssize_t message_length(const struct msghdr *message)
{
    ssize_t length = 0;
    for (size_t i = 0; i < message->msg_iovlen; i++)
        length += (ssize_t)message->msg_iov[i].iov_len;
    return length;
}

static int is_unix_socket(int fd)
{
    int domain = 0;
    socklen_t size = sizeof domain;
    return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) == 0 && domain == AF_UNIX;
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags)
{
    static ssize_t (*next)(int, const struct msghdr *, int);
    if (!next)
        next = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
    /* A monitor that does not read for a second is stuck, not busy: then umockdev sees EAGAIN. */
    for (int attempt = 0;; attempt++) {
        ssize_t sent = next(fd, message, flags);
        int error = errno;
        if (sent >= 0 || !is_unix_socket(fd))
            return errno = error, sent;
        if (error == ECONNREFUSED)
            return message_length(message);   /* the listener is gone: nobody to tell */
        if ((error != EAGAIN && error != EWOULDBLOCK) || attempt == 100)
            return errno = error, sent;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
}
