"""Seed 000 `announcement/`: the workflows of announcements (resolvers/announcement/). Types,
lists (`announcements`, `myAnnouncements` and the staff's approval, scheduling, delivery and
engagement lists), node access and the configuration mutations (approval workflows and rules,
recurring announcements, delivery channels) come from the models' `__entity__`
(models/announcement)."""

from __future__ import annotations

import models as m
from kit.workflow import workflow
from models.hostel.access import MEMBERS, STAFF
from resolvers.announcement import service, tracking

mutations = (
    workflow("announcementCreate", service.create, STAFF, returns=m.Announcement),
    workflow("announcementUpdate", service.update, STAFF, returns=m.Announcement),
    workflow("announcementTargetAdd", service.add_target, STAFF, returns=m.AnnouncementTarget),
    workflow("announcementTargetRemove", service.remove_target, STAFF, returns=m.Announcement),
    workflow("targetingRuleAdd", service.add_rule, STAFF, returns=m.TargetingRule),
    workflow("bulkTargetingRuleSet", service.set_bulk_rule, STAFF, returns=m.BulkTargetingRule),
    workflow("announcementAudienceCompute", service.compute_audience, STAFF, returns=m.TargetAudienceCache),
    workflow("announcementSubmit", service.submit, STAFF, returns=m.Announcement),
    workflow("announcementApprove", service.approve, STAFF, returns=m.Announcement),
    workflow("announcementReject", service.reject, STAFF, returns=m.Announcement),
    workflow("announcementWithdraw", service.withdraw, STAFF, returns=m.Announcement),
    workflow("announcementSchedule", service.schedule, STAFF, returns=m.Announcement),
    workflow("announcementPublish", service.publish, STAFF, returns=m.Announcement),
    workflow("announcementRevise", service.revise, STAFF, returns=m.Announcement),
    workflow("announcementArchive", service.archive, STAFF, returns=m.Announcement),
    workflow("announcementAttachmentAdd", service.attach, STAFF, returns=m.AnnouncementAttachment),
    workflow("announcementMarkRead", tracking.mark_read, MEMBERS, returns=m.AnnouncementRecipient),
    workflow("announcementView", tracking.view, MEMBERS, returns=m.AnnouncementView),
    workflow("announcementAcknowledge", tracking.acknowledge, MEMBERS, returns=m.Acknowledgment),
    workflow("announcementEngagementCompute", tracking.compute_on_demand, STAFF, returns=m.EngagementMetric),
)
