"""smarthealth: the end-to-end encrypted health record that only the member can decrypt.

The record provider's data lives in its own database (HEALTH_DATABASE_URL, tables in
`core.health.models`, migrations in `core/health/migrations`), keyed only by a pseudonymous
technical reference number. The insurer's database holds nothing but the link
member -> reference number (`core.models.health_link`). Every entry is sealed to the
member's public key; the private key exists in readable form only inside the member's
unlocked session (`UnlockedRecord`) and is never stored unwrapped.
"""
