"""Teachers, classes and subjects (seed 001 user/teacher and class/subject domains). Their types,
lists and master data mutations come from the declarations in `models/teachers` and
`models/classes`; the hooks they name live in `resolvers/classes/service.py`."""

from __future__ import annotations

import strawberry

import models
from kit.declared import type_of

Teacher = type_of(models.Teacher)
SchoolClass = type_of(models.SchoolClass)
Subject = type_of(models.Subject)
ClassSubject = type_of(models.ClassSubject)


@strawberry.type
class Query:
    pass


mutations = ()
