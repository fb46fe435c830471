"""All models, imported so that `Base.metadata` knows every table (Alembic, tests)."""

from models.base import Base
from models.hostel import Hostel
from models.school import AcademicSession, School
from models.user import (EmergencyContact, LoginHistory, RoleAssignment, User, UserAddress, UserProfile, UserRole,
                         UserStatus)
from models.auth import (BlacklistedToken, LoginAttempt, OutboxMessage, PasswordHistory, PasswordPolicy, PasswordReset,
                         RefreshToken, SecurityEvent, SessionToken, TokenRevocation, UserSession)
from models.admin import (AdminAssignmentHistory, AdminHostelAssignment, AdminPermission, AdminProfile, AdminRole,
                          AdminSession, AdminUser, AssignmentPermission, ContextPreference, ContextSnapshot, ContextSwitch,
                          HostelContext, PermissionAudit, PermissionGroup, PermissionTemplate, PrimaryHostelDesignation,
                          RolePermission)
from models.school import ActivityLog, Subscription, SubscriptionPayment
from models.teachers import Teacher
from models.classes import ClassSubject, SchoolClass, Subject
from models.students import (AdmissionType, Gender, Guardian, PromotionRecord, PromotionType, Student, StudentDocument,
                             StudentEnrollment, StudentGuardian, StudentStatus)
from models.attendance import AttendanceStatus, StudentAttendance
from models.exams import Exam, ExamStatus, ExamSubject, GradePolicy, StudentMark
from models.transport import PickupPoint, TransportEnrollment, TransportRoute
from models.fees import (AdjustmentType, DiscountDefinition, DiscountType, FeeAdjustment, FeeFrequency, FeePayment,
                         FeePaymentAllocation, FeeStructure, FeeType, FundingCoverageMode, FundingCoverageType, LateFeeCapType,
                         LateFeeLog, LateFeePolicy, LateFeeType, StudentFeeAssignment, StudentFundingArrangement)
from models.expenses import ExpenseHead, ExpensePaymentMode, ExpenseVoucher, VoucherSequence
from models.finance import DayClosing, FinanceAccountTransfer
from models.hostel import (AmenityBookingStatus, AmenityConditionLevel, HostelStatus, HostelType, MediaType, PolicyType,
                           TrendPeriod, ViolationSeverity, ViolationStatus)
from models.hostel import (AmenityBooking, AmenityCategory, BenchmarkData, CompetitorAnalysis, HostelAmenity,
                           HostelAnalytic, HostelComparison, HostelMedia, HostelPolicy, HostelPolicyViolation,
                           HostelSettings, MediaCategory, OccupancyTrend, PolicyAcknowledgment, RevenueTrend)
from models.room import *  # noqa: F403  (seed 000 room/: 36 models and their enums)
from models.hostel_student import *  # noqa: F403
from models.booking import *  # noqa: F403
from models.audit import AuditLog
from models import audit_hooks  # noqa: E402,F401  (registers the audit column and tenant hooks)
from models.base import finish_references  # noqa: E402

finish_references()  # foreign keys and inverse relations of every reference(), now that all targets exist

__all__ = [name for name in dir() if name[:1].isupper()]
