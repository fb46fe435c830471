"""Who reads and writes the school family's money (seed 001 §9.2): one place for the rules the
fee, expense and finance declarations and their workflows use.

- fee records (types, structures, assignments, payments, discounts, funding, expense heads and
  vouchers) are read by the platform roles, school admins and accountants;
- the finance module's own records (day closings, cash-to-bank transfers) and the finance
  reports are the finance reporters' only: no PLATFORM_ADMIN (auth/permissions.py);
- fee setup and adjustments are school admins' (and the platform's), payments also
  accountants'; expenses, transfers and closings are the finance writers', the closing
  override the super admin's alone.
"""

from __future__ import annotations

from auth.permissions import FINANCE_REPORTERS, FINANCE_WRITERS, PLATFORM, SCHOOL_ADMINS, roles

FINANCE_READERS = roles(*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT")
# guardians (and students) read their own fees (issue 18): the row filters below the fee
# declarations narrow them to their family's rows; fee types and structures are the school's price list
FAMILY_FEE_READERS = roles(*FINANCE_READERS.roles, "GUARDIAN", "STUDENT")
FINANCE_REPORTS = roles(*FINANCE_REPORTERS)
FEE_ADMINS = roles(*SCHOOL_ADMINS)
PAYMENT_WRITERS = roles(*SCHOOL_ADMINS, "ACCOUNTANT")
FINANCE_WRITE = roles(*FINANCE_WRITERS)
OVERRIDERS = roles("SUPER_ADMIN")
