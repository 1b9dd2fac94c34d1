/* placeholder: contacts list, preview, purge, media */
#include "api.h"

void
api_contacts_list(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}

void
api_preview(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}

void
api_purge(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}

void
api_media(struct api_req *r)
{
	api_reply_errorf(r, 404, "not_found", NULL, "not yet");
}
