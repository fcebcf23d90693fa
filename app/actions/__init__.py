"""Every state change of Teranga is one function here: it writes in one transaction
and publishes its events after commit. HTTP and websocket handlers, workers and the
command line call these; they never write tables themselves."""

from app.actions.canned import create_canned, delete_canned, update_canned
from app.actions.contacts import update_contact
from app.actions.conversation import assign, reply, resolve
from app.actions.csat import answer_survey, set_csat_policy, take_sms_survey_reply
from app.actions.dispatch import dispatch_for_agent, dispatch_waiting
from app.actions.ingest import IngestResult, ingest
from app.actions.knowledge import create_article, delete_article, update_article
from app.actions.merge import merge_contacts, merge_interactions
from app.actions.notes import add_note
from app.actions.outbox import claim_due, delivery_update, record_failure, record_success
from app.actions.presence import set_presence
from app.actions.setup import create_channel, create_skill_group, create_tenant, update_channel
from app.actions.users import create_user, issue_token, login, revoke_token

__all__ = [
    "IngestResult",
    "add_note",
    "answer_survey",
    "assign",
    "claim_due",
    "create_article",
    "create_canned",
    "create_channel",
    "create_skill_group",
    "create_tenant",
    "create_user",
    "delete_article",
    "delete_canned",
    "delivery_update",
    "dispatch_for_agent",
    "dispatch_waiting",
    "ingest",
    "issue_token",
    "login",
    "merge_contacts",
    "merge_interactions",
    "record_failure",
    "record_success",
    "reply",
    "resolve",
    "revoke_token",
    "set_csat_policy",
    "set_presence",
    "take_sms_survey_reply",
    "update_article",
    "update_canned",
    "update_channel",
    "update_contact",
]
