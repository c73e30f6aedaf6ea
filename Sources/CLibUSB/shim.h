#ifndef KIOSK_CLIBUSB_SHIM_H
#define KIOSK_CLIBUSB_SHIM_H

/* The whole libusb API is callable from Swift as declared: no variadic functions or
   function-like macros are used, so no wrappers are needed yet. */
#include <libusb-1.0/libusb.h>

#endif
