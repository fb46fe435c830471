"""Demo files of a hostel (docs/domains/file-management.md): house rules in two versions and a
mess menu shared with the hostel, a common-room photo with its details and variants, a resident's
private ID proof, tags and a favourite, downloads in the access log, quotas with their use, and
a resumable upload left half-way. The bytes go to the configured storage (kit/storage.py), as uploads would."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import func, select

import models as m
from kit import clock
from kit.settings import get_settings
from kit.storage import storage_for
from resolvers.file_management.images import render, variant_key
from resolvers.file_management.service import part_key, version_key


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing `title` and `lines`."""
    text = " ".join(
        f"BT /F1 {16 if i == 0 else 11} Tf 56 {780 - 24 * i} Td ({s.replace('(', '[').replace(')', ']')}) Tj ET"
        for i, s in enumerate([title, *lines])
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _photo(name: str) -> bytes:
    image = Image.new("RGB", (1920, 1280), (236, 226, 208))
    draw = ImageDraw.Draw(image)
    for i in range(8):  # sofas and tables, roughly
        draw.rectangle((120 + i * 210, 700, 280 + i * 210, 980), fill=(90 + 15 * i, 110, 140))
    draw.text((120, 120), name, fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def document_files(session: Any, hostel_id: int, items: list[tuple[str, str, int, int | None]]) -> list[int]:
    """Stored files of documents (residents', booking guests'): one small PDF each, as an upload
    would leave it (the file, its first version, the bytes in the storage). `items`: (file name,
    title shown in it, uploader, booking it was handed in for). Returns the files' ids in order."""
    from demo.school import _insert

    if not items:
        return []
    store = storage_for(get_settings())
    now = dt.datetime.now(dt.UTC)
    datas = [_pdf(title, ["(scanned copy)", name]) for name, title, _, _ in items]
    ids = await _insert(
        session,
        m.FileUpload,
        [
            {
                "hostel_id": hostel_id,
                "file_name": name,
                "content_type": "application/pdf",
                "extension": "pdf",
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "current_version": 1,
                "access_level": m.FileAccessLevel.PRIVATE,
                "is_image": False,
                "uploaded_by": by,
                "booking_id": booking,
                "created_by": by,
                "created_at": now - dt.timedelta(days=10),
            }
            for (name, _, by, booking), data in zip(items, datas, strict=True)
        ],
    )
    rows = []
    for file_id, (_, _, by, _), data in zip(ids, items, datas, strict=True):
        key = version_key(hostel_id, file_id, 1)
        await store.put(key, data)
        rows.append(
            {
                "hostel_id": hostel_id,
                "file_id": file_id,
                "version_number": 1,
                "storage_key": key,
                "content_type": "application/pdf",
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "uploaded_by": by,
                "created_by": by,
                "created_at": now - dt.timedelta(days=10),
            }
        )
    await _insert(session, m.FileVersion, rows)
    return ids


async def load_hostel_files(session: Any, hostel: Any, user_ids: dict[str, int], staff: str, member: str) -> None:
    store = storage_for(get_settings())
    h = hostel.id
    now = dt.datetime.now(dt.UTC)
    staff_id, member_id = user_ids[staff], user_ids[member]
    used: dict[int, int] = {}

    async def add_file(name: str, versions: list[bytes], mime: str, ext: str, by: int, level: Any) -> Any:
        file = m.FileUpload(
            hostel_id=h,
            file_name=name,
            content_type=mime,
            extension=ext,
            size_bytes=len(versions[-1]),
            sha256=hashlib.sha256(versions[-1]).hexdigest(),
            current_version=len(versions),
            access_level=level,
            is_image=mime.startswith("image/"),
            uploaded_by=by,
            created_by=by,
            created_at=now - dt.timedelta(days=20),
        )
        session.add(file)
        await session.flush()
        rows = []
        for n, data in enumerate(versions, 1):
            key = version_key(h, file.id, n)
            await store.put(key, data)
            row = m.FileVersion(
                hostel_id=h,
                file_id=file.id,
                version_number=n,
                storage_key=key,
                content_type=mime,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=by,
                created_by=by,
                created_at=now - dt.timedelta(days=20 - 5 * n),
            )
            session.add(row)
            rows.append(row)
            used[by] = used.get(by, 0) + len(data)
        await session.flush()
        return file, rows

    rules_v1 = _pdf(f"{hostel.name}: house rules", ["Gates close at 22:30.", "Visitors until 19:00 in the lobby."])
    rules_v2 = _pdf(
        f"{hostel.name}: house rules",
        ["Gates close at 22:30.", "Visitors until 19:00 in the lobby.", "Quiet hours 23:00 to 06:00."],
    )
    shared = m.FileAccessLevel.HOSTEL
    rules, _ = await add_file("House rules.pdf", [rules_v1, rules_v2], "application/pdf", "pdf", staff_id, shared)
    menu = _pdf("Mess menu", ["Mon: poha, dal rice", "Tue: upma, rajma chawal", "Wed: idli, veg biryani"])
    await add_file("Mess menu.pdf", [menu], "application/pdf", "pdf", staff_id, shared)
    proof = _pdf("Identity proof", ["(scanned copy)"])
    private = m.FileAccessLevel.PRIVATE
    mine, _ = await add_file("ID proof.pdf", [proof], "application/pdf", "pdf", member_id, private)
    photo_bytes = _photo(f"{hostel.name}: common room")
    photo, (photo_v1,) = await add_file("Common room.png", [photo_bytes], "image/png", "png", staff_id, shared)

    # the photo as the process_image job leaves it
    details, variants = render(photo_bytes)
    session.add(
        m.ImageUpload(
            hostel_id=h,
            file_id=photo.id,
            version_id=photo_v1.id,
            status=m.ImageProcessingStatus.DONE,
            processed_at=now - dt.timedelta(days=15),
            **details,
        )
    )
    for kind, width, height, content, media in variants:
        key = variant_key(photo_v1.storage_key, kind)
        await store.put(key, content)
        session.add(
            m.ImageVariant(
                hostel_id=h,
                file_id=photo.id,
                version_id=photo_v1.id,
                kind=m.ImageVariantKind(kind),
                width=width,
                height=height,
                content_type=media,
                size_bytes=len(content),
                storage_key=key,
            )
        )

    for file, who, version, days in ((rules, member_id, 2, 3), (rules, staff_id, 1, 9), (mine, staff_id, 1, 1)):
        session.add(
            m.FileAccessLog(
                hostel_id=h,
                file_id=file.id,
                user_id=who,
                version_number=version,
                created_by=who,
                created_at=now - dt.timedelta(days=days),
            )
        )

    # labels, and a member's favourite
    menu_file = (
        await session.execute(
            select(m.FileUpload).where(m.FileUpload.hostel_id == h, m.FileUpload.file_name == "Mess menu.pdf")
        )
    ).scalar_one()
    notices = m.FileTag(hostel_id=h, name="Notices", color="#2f80ed", usage_count=2)
    session.add(notices)
    await session.flush()
    labels = [notices, m.FileTag(hostel_id=h, name="Food", parent_id=notices.id, color="#27ae60", usage_count=1)]
    labels.append(m.FileTag(hostel_id=h, name="Photos", color="#f2994a", usage_count=1))
    session.add_all(labels[1:])
    await session.flush()
    for file, tag in ((rules, notices), (menu_file, notices), (menu_file, labels[1]), (photo, labels[2])):
        session.add(m.FileTagging(hostel_id=h, file_id=file.id, tag_id=tag.id))
    session.add(m.FileFavorite(hostel_id=h, user_id=member_id, file_id=rules.id, created_by=member_id))

    await load_hostel_documents(session, hostel, staff_id, member_id, add_file)

    # what every version of the hostel takes, these files and the documents' (demo/hostel.py, document_files)
    await session.flush()
    fv = m.FileVersion
    stored = await session.execute(
        select(fv.uploaded_by, func.sum(fv.size_bytes)).where(fv.hostel_id == h).group_by(fv.uploaded_by)
    )
    used = {who: int(size) for who, size in stored}
    settings = get_settings()
    session.add(
        m.FileQuota(
            hostel_id=h, user_id=None, limit_bytes=settings.file_quota_hostel_bytes, used_bytes=sum(used.values())
        )
    )
    for who, size in used.items():
        session.add(m.FileQuota(hostel_id=h, user_id=who, limit_bytes=settings.file_quota_user_bytes, used_bytes=size))

    # a resident's upload interrupted after its first part of three
    lease = _pdf("Lease agreement", ["(a long scan)"]) + bytes(5000)
    upload = m.UploadSession(
        hostel_id=h,
        user_id=member_id,
        file_name="Lease agreement.pdf",
        total_bytes=len(lease),
        part_bytes=2048,
        parts_total=-(-len(lease) // 2048),
        expires_at=now + dt.timedelta(hours=20),
        created_by=member_id,
    )
    session.add(upload)
    await session.flush()
    await store.put(part_key(h, upload.id, 1), lease[:2048])
    session.add(
        m.MultipartUploadPart(
            hostel_id=h,
            session_id=upload.id,
            part_number=1,
            size_bytes=2048,
            sha256=hashlib.sha256(lease[:2048]).hexdigest(),
            created_by=member_id,
        )
    )
    await session.flush()


async def load_hostel_documents(session: Any, hostel: Any, staff_id: int, member_id: int, add_file: Any) -> None:
    """Document types, and documents in every state: a resident's ID proof verified and due to
    expire within a month (its alert sent), a police verification waiting with its OCR record, a
    booking guest's ID rejected, a medical certificate accepted, and one that failed its checks;
    then the files' analytics, computed as the job does."""
    from resolvers.file_management import analytics
    from resolvers.file_management.documents import run_checks

    h = hostel.id
    today = clock.today_in(hostel.time_zone)
    now = dt.datetime.now(dt.UTC)
    pdf = ["application/pdf", "image/jpeg", "image/png"]
    kinds = {}
    for code, name, fields, days, verify, ocr in (
        ("ID_PROOF", "Identity proof", ["number", "full_name"], 365, True, False),
        ("POLICE_VERIFICATION", "Police verification", ["certificate_number"], 180, True, True),
        ("MEDICAL_CERTIFICATE", "Medical certificate", ["doctor"], 90, False, False),
    ):
        kinds[code] = m.DocumentType(
            hostel_id=h,
            code=code,
            name=name,
            required_fields=fields,
            allowed_content_types=pdf,
            max_size_bytes=5_000_000,
            validity_days=days,
            expiry_required=True,
            alert_days=[30, 7],
            requires_verification=verify,
            ocr_enabled=ocr,
            created_by=staff_id,
        )
    session.add_all(kinds.values())
    await session.flush()
    hs = m.HostelStudent
    # the member's own resident record where they have one (Sunrise), else the hostel's first
    student = (
        await session.execute(
            select(hs).where(hs.hostel_id == h).order_by((hs.user_id == member_id).is_(True).desc(), hs.id).limit(1)
        )
    ).scalar_one()
    booking = (
        await session.execute(select(m.Booking).where(m.Booking.hostel_id == h).order_by(m.Booking.id).limit(1))
    ).scalar_one()
    owner_id = student.user_id or member_id

    async def document(code: str, title: str, values: dict[str, str], expires_on: dt.date, by: int, **kw: Any) -> Any:
        file, _ = await add_file(
            f"{title}.pdf",
            [_pdf(title, [f"{k}: {v}" for k, v in values.items()])],
            "application/pdf",
            "pdf",
            by,
            m.FileAccessLevel.PRIVATE,
        )
        kind = kinds[code]
        checks = run_checks(kind, file, values, expires_on, today - dt.timedelta(days=10))
        passed = all(ok for _, ok, _ in checks)
        status = kw.pop("status", m.DocumentStatus.PENDING if passed else m.DocumentStatus.INVALID)
        row = m.DocumentUpload(
            hostel_id=h,
            document_type_id=kind.id,
            file_id=file.id,
            field_values=values,
            status=status,
            expires_on=expires_on,
            submitted_by=by,
            created_by=by,
            created_at=now - dt.timedelta(days=10),
            **kw,
        )
        session.add(row)
        await session.flush()
        for check, ok, message in checks:
            session.add(
                m.DocumentValidation(hostel_id=h, document_id=row.id, check_name=check, passed=ok, message=message)
            )
        first = m.DocumentStatus.PENDING if passed and kind.requires_verification else m.DocumentStatus.ACCEPTED
        session.add(
            m.DocumentVerification(
                hostel_id=h,
                document_id=row.id,
                to_status=first if passed else m.DocumentStatus.INVALID,
                reason=None if passed else " ".join(msg for _, ok, msg in checks if not ok),
                created_by=by,
            )
        )
        if status in (m.DocumentStatus.VERIFIED, m.DocumentStatus.REJECTED):
            session.add(
                m.DocumentVerification(
                    hostel_id=h,
                    document_id=row.id,
                    from_status=first,
                    to_status=status,
                    decided_by=staff_id,
                    reason=row.rejection_reason,
                    created_by=staff_id,
                )
            )
        if passed:
            session.add(m.DocumentExpiry(hostel_id=h, document_id=row.id, expires_on=expires_on, alert_days=[30, 7]))
        await session.flush()
        return row

    id_proof = await document(
        "ID_PROOF",
        "Identity card",
        {"number": "ID-4471-2290", "full_name": student.full_name},
        today + dt.timedelta(days=20),
        owner_id,
        student_id=student.id,
        status=m.DocumentStatus.VERIFIED,
        verified_by=staff_id,
        verified_at=now - dt.timedelta(days=9),
    )
    expiry = (
        await session.execute(select(m.DocumentExpiry).where(m.DocumentExpiry.document_id == id_proof.id))
    ).scalar_one()
    expiry.last_alert_days = 30
    session.add(m.DocumentExpiryAlert(hostel_id=h, expiry_id=expiry.id, days_before=30, recipients=2))
    police = await document(
        "POLICE_VERIFICATION",
        "Police verification",
        {"certificate_number": "PV/2026/0193"},
        today + dt.timedelta(days=170),
        owner_id,
        student_id=student.id,
    )
    session.add(
        m.DocumentOCR(
            hostel_id=h,
            document_id=police.id,
            status=m.OcrStatus.DONE,
            engine="development",
            text="",
            confidence_percent=0,
            processed_at=now - dt.timedelta(days=10),
        )
    )
    await document(
        "ID_PROOF",
        "Guest passport",
        {"number": "P0099812", "full_name": "Asha Rao"},
        today + dt.timedelta(days=400),
        staff_id,
        booking_id=booking.id,
        guest_name="Asha Rao",
        status=m.DocumentStatus.REJECTED,
        rejection_reason="The photo page is cut off.",
        verified_by=staff_id,
        verified_at=now - dt.timedelta(days=8),
    )
    await document(
        "MEDICAL_CERTIFICATE",
        "Medical certificate",
        {"doctor": "Dr. Iyer"},
        today + dt.timedelta(days=80),
        owner_id,
        student_id=student.id,
        status=m.DocumentStatus.ACCEPTED,
    )
    await document(
        "ID_PROOF", "Blurry ID", {"number": "ID-11"}, today + dt.timedelta(days=300), owner_id, student_id=student.id
    )
    await session.flush()
    await analytics.compute(session, h, now)
