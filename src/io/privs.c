/* privs.c: drop Linux capabilities with libcap-ng (what tcpdump does after
 * opening its capture: tcpdump.c, droproot()). */
#include "privs.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

int privs_keep_only(const int *caps, size_t n, char errbuf[ERRBUF_SIZE])
{
    capng_select_t sel = CAPNG_SELECT_CAPS;
    size_t i;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot set no_new_privs: %s", strerror(errno));
        return -1;
    }
    if (capng_get_caps_process() != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot read this process's capabilities");
        return -1;
    }
    /* The bounding set can only shrink with CAP_SETPCAP (root has it). */
    bool held[CAP_LAST_CAP + 1] = { false };
    if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
        sel = CAPNG_SELECT_ALL;
    /* Keep only what is held now: one cannot raise what one lacks. */
    for (i = 0; i < n; i++)
        if (caps[i] >= 0 && caps[i] <= CAP_LAST_CAP)
            held[caps[i]] = capng_have_capability(CAPNG_PERMITTED, (unsigned)caps[i]);
    capng_clear(CAPNG_SELECT_ALL);
    for (i = 0; i < n; i++) {
        if (caps[i] < 0 || caps[i] > CAP_LAST_CAP || !held[caps[i]])
            continue;
        if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
                         (unsigned)caps[i]) != 0) {
            snprintf(errbuf, ERRBUF_SIZE, "cannot keep capability %d", caps[i]);
            return -1;
        }
    }
    if (capng_apply(sel) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int privs_drop_all(char errbuf[ERRBUF_SIZE])
{
    return privs_keep_only(NULL, 0, errbuf);
}
