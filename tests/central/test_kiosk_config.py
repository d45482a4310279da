"""What the central side signs for the kiosk, end to end: a process created from the web form
carries its aviso de privacidad to the kiosk's manifest screen, and the signed configuration
carries the two-devices rule (seed 001 §4.9) with the devices each auxiliar uses, so a third
kiosk refuses the auxiliar's login in Spanish. Real receiver and web app on loopback, real
`kiosk provision`, real sync passes."""

from __future__ import annotations

import pytest

from kiosk import operators
from sync.daemon import SyncDaemon
from sync.provision import provision
from tests.central.test_web import _adult_birth, _new_process
from tests.sync.helpers import small_apoyo
from tests.tui.helpers import PASSWORD, login, make_app, wait_for
from tests.tui.test_flows import screen_text

pytestmark = pytest.mark.anyio

AVISO_URL = "https://opl.muestra.invalid/aviso"
AVISO_TEXTO = "Sus datos se usan solo para verificar su apoyo (MUESTRA)."


async def test_privacy_notice_and_the_device_limit_reach_the_kiosk(central, browser_for, tmp_path) -> None:
    server, receiver, _web, _token = central
    admin = browser_for("admin")
    assert _new_process(admin, aviso_url=AVISO_URL, aviso_texto=AVISO_TEXTO).status_code == 200
    row = {"nombres": "ROSA", "apellido_paterno": "MUESTRA", "fecha_nacimiento": _adult_birth(), "telefono": "9511234567",
           "email": "rosa@muestra.invalid", "clave_elector": "MSRSRS90010120M100"}
    assert admin.form("/procesos/CP2026OAX/auxiliares", row).status_code == 200

    kiosks = [provision(tmp_path / f"kiosko{n}", server.url, receiver.issue_token("CP2026OAX"), municipio="MUESTRA")
              for n in range(3)]
    try:
        first, second, third = kiosks
        config = first.config()
        assert (config.process.privacy_url, config.process.privacy_text) == (AVISO_URL, AVISO_TEXTO)
        assert AVISO_URL not in config.process.manifest_text, "the notice travels in its own fields, not in the manifest"
        assert config.max_devices_per_auxiliar == 2 and config.roster["A0001"].devices == ()

        for n, kiosk in enumerate((first, second)):  # the auxiliar works on two kiosks: the receiver binds both
            kiosk.save_apoyo(small_apoyo(n), "A0001")
            assert SyncDaemon(kiosk).run_once().acknowledged == 1
        assert SyncDaemon(third).refresh_config()
        assert third.config().roster["A0001"].devices == (first.device_id, second.device_id)

        operators.set_password(third.vault, "A0001", PASSWORD)
        app = make_app(third)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            text = screen_text(app)
            assert app.operator is None
            assert f"ya usa 2 dispositivos ({first.device_id}, {second.device_id}); el proceso permite 2" in text
        assert third.vault.operator("A0001")[2] == 0, "refused by the rule, not counted as a wrong password"

        SyncDaemon(first).refresh_config()  # one of the auxiliar's own two kiosks still lets them in
        operators.set_password(first.vault, "A0001", PASSWORD)
        app = make_app(first)
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            assert app.operator == "A0001"
            await pilot.press("c")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "CaptureScreen")
            await pilot.pause(0.1)
            text = screen_text(app)
            assert AVISO_TEXTO in text and "opl.muestra.invalid/aviso" in text

        receiver.baja_device(first.device_id)  # a device dado de baja frees its place
        assert SyncDaemon(third).refresh_config()
        assert third.config().roster["A0001"].devices == (second.device_id,)
        operators.check_devices(third.config(), "A0001", third.device_id)
    finally:
        for kiosk in kiosks:
            kiosk.close()
