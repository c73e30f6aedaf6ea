#ifndef KIOSK_CLIBUSB_SHIM_H
#define KIOSK_CLIBUSB_SHIM_H

/* The libusb API is callable from Swift as declared. One helper is added: libusb says only
   *whether* a kernel driver holds an interface, never *which*, and the terminal may detach
   only the printer driver (usblp), never another (a touch controller's usbhid, say). */
#include <libusb-1.0/libusb.h>

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

/* The kernel driver bound to `interface` of the usbfs node `path` (/dev/bus/usb/BBB/DDD),
   copied into `name` (NUL-terminated). Returns 0, or -errno: -ENODATA when no driver is bound.
   A second descriptor of the node: ioctl is variadic, so Swift cannot call it directly, and
   libusb does not hand out its own descriptor. */
static inline int kiosk_usbfs_driver_name(const char *path, unsigned int interface, char *name, size_t size) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct usbdevfs_getdriver request;
    memset(&request, 0, sizeof request);
    request.interface = interface;
    int result = ioctl(fd, USBDEVFS_GETDRIVER, &request);
    int saved = errno;
    close(fd);
    if (result < 0) return -saved;
    if (size == 0) return 0;
    strncpy(name, request.driver, size - 1);
    name[size - 1] = '\0';
    return 0;
}
#endif

#endif
