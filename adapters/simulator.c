/* placeholder: being written */
#include "adapters/adapter.h"
static const char *const simulator_keys[] = { "delivered_after_ms", "fail_share", NULL };
const struct adapter_ops simulator_adapter_ops = { .type = "simulator", .caps = ADAPTER_CAP_SMS | ADAPTER_CAP_STATUS, .keys = simulator_keys };
