#ifndef KIOSK_CESPEAKNG_SHIM_H
#define KIOSK_CESPEAKNG_SHIM_H

/* libespeak-ng's classic API (speak_lib.h) is enough: synchronous synthesis into a callback.
   Nothing variadic is used, so no wrappers are needed. */
#include <espeak-ng/speak_lib.h>

#endif
