/* placeholder: being written (inbound SMS hooks and replies) */
#include "api.h"

void
hooks_sms(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}

void
api_replies_list(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}
