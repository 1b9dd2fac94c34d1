/* placeholder: being written */
#include "adapters/adapter.h"
static const char *const elks46_keys[] = { "username", "password", "callback_secret", "dryrun", NULL };
const struct adapter_ops elks46_adapter_ops = { .type = "46elks", .caps = ADAPTER_CAP_SMS | ADAPTER_CAP_STATUS, .keys = elks46_keys };
