"""Seed 000 `notification/`: the workflows of the notification pipeline (resolvers/notification/).
Types, lists (`myNotifications`, `myNotificationPreferences`, `myChannelPreferences`,
`myDeviceTokens`, and the staff's templates, routing rules, deliveries and history), node access
and the configuration mutations come from the models' `__entity__` (models/notification)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

import models as m
from auth.permissions import AUTHENTICATED, PUBLIC, declare
from kit.errors import UserError, UserErrors
from kit.writes import mutation_scope
from kit.workflow import workflow
from models.hostel.access import ADMINS, STAFF
from resolvers.notification import service


@strawberry.type
class Query:
    """No hand-written query: every notification list is declared on its model."""


@strawberry.input(description="The token of an unsubscribe link (from an email's List-Unsubscribe header).")
class NotificationUnsubscribeInput:
    token: str


@strawberry.type(description="What notificationUnsubscribe turned off.")
class NotificationUnsubscribePayload:
    channel: str | None = strawberry.field(description="The channel turned off (EMAIL); null on errors.")
    notification_type: str | None = strawberry.field(description="The type it applies to; * for every type.")
    changed: bool = strawberry.field(description="False when the link had been used already (nothing changed).")
    errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="One-click unsubscribe: turn off what a signed link from an email names. No login: the "
        "signature is the proof. A used link changes nothing again."
    )
    async def notification_unsubscribe(
        self,
        info: Info,
        input: NotificationUnsubscribeInput,  # noqa: A002
    ) -> NotificationUnsubscribePayload:
        try:
            async with mutation_scope(info.context) as session:
                channel, kind, changed = await service.redeem_unsubscribe(info.context, session, input.token)
        except UserErrors as exc:
            return NotificationUnsubscribePayload(
                channel=None, notification_type=None, changed=False, errors=exc.errors
            )
        return NotificationUnsubscribePayload(channel=channel, notification_type=kind, changed=changed, errors=[])


declare("Mutation.notificationUnsubscribe", PUBLIC)

mutations = (
    Mutation,
    workflow("notificationMarkRead", service.mark_read, AUTHENTICATED, returns=m.Notification),
    workflow(
        "notificationPreferenceUpdate", service.update_preference, AUTHENTICATED, returns=m.NotificationPreference
    ),
    workflow("channelPreferenceSet", service.set_channel, AUTHENTICATED, returns=m.ChannelPreference),
    workflow("deviceTokenRegister", service.register_device, AUTHENTICATED, returns=m.DeviceToken),
    workflow("deviceTokenRemove", service.remove_device, AUTHENTICATED, returns=m.DeviceToken),
    workflow(
        "notificationTemplatePublish", service.publish_template_version, ADMINS, returns=m.NotificationTemplateVersion
    ),
    workflow("notificationSend", service.send, STAFF, returns=m.NotificationBatch),
)
