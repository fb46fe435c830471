"""The notification pipeline (models/notification/): one call any domain uses to tell people
something, and the delivery jobs behind it.

- `pipeline.py`: `notify(session, hostel_id=, user_ids=, type=, data=)`: routing, preferences,
  templates, the in-app notification, a delivery row and a job per channel (one transaction).
- `templates.py`: rendering a template's latest active version (Jinja2's sandbox).
- `providers.py`: the provider interface per channel and the development providers, which
  write what would be sent to files under DATA_DIR/outbox/<channel>/.
- `delivery.py`: the delivery job (queue `notifications`): sends once, retries with backoff,
  records every move in the status history.
- `service.py`: the workflows of the GraphQL API (mark read, preferences, device tokens,
  template publishing, one-click unsubscribe).
"""
