"""Seed 000 `maintenance/`: the maintenance workflows (resolvers/maintenance/). Types, lists,
node access and the configuration mutations (issue types, thresholds, vendors, contracts,
budgets, schedules) come from the models' `__entity__` (models/maintenance)."""

from __future__ import annotations

import models as m
from kit.workflow import workflow
from models.hostel.access import ADMINS, STAFF
from resolvers.maintenance import jobs, service

mutations = (
    workflow("maintenanceRequestCreate", service.create_request, STAFF, returns=m.MaintenanceRequest),
    workflow("maintenanceRequestUpdate", service.update_request, STAFF, returns=m.MaintenanceRequest),
    workflow("maintenanceRequestApprove", service.approve, STAFF, returns=m.MaintenanceApproval),
    workflow("maintenanceRequestReject", service.reject, STAFF, returns=m.MaintenanceApproval),
    workflow("maintenanceRequestAssign", service.assign, STAFF, returns=m.MaintenanceAssignment),
    workflow("maintenanceRequestAssignVendor", service.assign_vendor, ADMINS, returns=m.VendorAssignment),
    workflow("maintenanceRequestStart", service.start, STAFF, returns=m.MaintenanceRequest),
    workflow("maintenanceRequestComplete", service.complete, STAFF, returns=m.MaintenanceCompletion),
    workflow("maintenanceRequestQualityCheck", service.quality_check, STAFF, returns=m.MaintenanceQualityCheck),
    workflow("maintenanceRequestCancel", service.cancel, STAFF, returns=m.MaintenanceRequest),
    workflow("maintenanceCostCommit", service.commit_cost, STAFF, returns=m.MaintenanceCost),
    workflow("vendorInvoiceRecord", service.record_invoice, ADMINS, returns=m.VendorInvoice),
    workflow("vendorInvoiceApprove", service.approve_invoice, ADMINS, returns=m.VendorInvoice),
    workflow("vendorInvoiceReject", service.reject_invoice, ADMINS, returns=m.VendorInvoice),
    workflow("vendorPerformanceReviewCreate", service.review_vendor, STAFF, returns=m.VendorPerformanceReview),
    workflow("maintenanceFiguresCompute", jobs.figures_compute, ADMINS, returns=m.MaintenanceAnalytic),
)
