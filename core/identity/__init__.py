"""Identification through the partner's wallet app (FAQ: Nect Wallet) and device binding.

IdentityProvider (Protocol)  <- SimulatedNectWallet (demo mode only)
start_identification / start_password_reset -> submit_step ... -> succeeded | failed
can_activate_smarthealth, mark_smarthealth_active   (for the smarthealth activation)
core.identity.devices: register, confirm (app PIN, lockout), rename, remove, change PIN
"""

from core.identity.errors import (
    DeviceLocked,
    DeviceRefused,
    IdentificationFailed,
    IdentificationRefused,
    IdentificationUnavailable,
    StepRefused,
    WrongAppPin,
)
from core.identity.nect_simulation import SIMULATED_WRONG_PIN, SimulatedNectWallet
from core.identity.provider import (
    PROCEDURE_LABELS,
    STEP_TITLES,
    STEPS,
    Evidence,
    IdentityProvider,
    Step,
)
from core.identity.service import (
    ATTEMPT_MINUTES,
    EID_PIN_TRIES,
    FRESH_MINUTES,
    IdentificationRead,
    IdentityOverview,
    StartRequest,
    can_activate_smarthealth,
    cancel_identification,
    fresh_identification,
    identification_state,
    identity_overview,
    identity_provider,
    mark_smarthealth_active,
    reset_password,
    start_identification,
    start_password_reset,
    submit_step,
)

__all__ = [
    "ATTEMPT_MINUTES",
    "EID_PIN_TRIES",
    "FRESH_MINUTES",
    "PROCEDURE_LABELS",
    "SIMULATED_WRONG_PIN",
    "STEPS",
    "STEP_TITLES",
    "DeviceLocked",
    "DeviceRefused",
    "Evidence",
    "IdentificationFailed",
    "IdentificationRead",
    "IdentificationRefused",
    "IdentificationUnavailable",
    "IdentityOverview",
    "IdentityProvider",
    "SimulatedNectWallet",
    "StartRequest",
    "Step",
    "StepRefused",
    "WrongAppPin",
    "can_activate_smarthealth",
    "cancel_identification",
    "fresh_identification",
    "identification_state",
    "identity_overview",
    "identity_provider",
    "mark_smarthealth_active",
    "reset_password",
    "start_identification",
    "start_password_reset",
    "submit_step",
]
