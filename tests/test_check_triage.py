"""`ndr triage --dns`: the sending IPs' checks appended to the diagnosis; no lookup unless asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ndr.cli import cli
from tests.knot import KnotServer, knot, silent_udp_server

__all__ = ["knot"]  # the fixture, imported for pytest

pytestmark = pytest.mark.dns
BOUNCE = Path(__file__).parent / "dns" / "messages" / "gmail-ptr-ipv4.eml"


def triage(config: Path, *args: str) -> Result:
    return CliRunner(env={"NDR_CONFIG": str(config)}).invoke(cli, ["triage", *args])


def write_config(tmp_path: Path, resolver: str, *, enabled: bool) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[dns]\nenabled = {str(enabled).lower()}\nresolvers = ["{resolver}"]\n'
                    'dnsbl = ["zen.spamhaus.org"]\ntimeout = 0.2\nretries = 0\n')
    return path


def test_dns_flag_appends_the_checks(knot: KnotServer, tmp_path: Path) -> None:
    result = triage(write_config(tmp_path, knot.address, enabled=False), "--dns", str(BOUNCE))
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "reason: requireptr" in out  # the triage diagnosis comes first
    assert "DNS checks: 2 problems to fix" in out
    assert "PTR mismatch.example.com: does NOT resolve back (mismatch.example.com A -> 192.0.2.99)" in out
    assert "-> Add an A record mismatch.example.com -> 192.0.2.11" in out


def test_dns_flag_json_adds_a_dns_object(knot: KnotServer, tmp_path: Path) -> None:
    result = triage(write_config(tmp_path, knot.address, enabled=False), "--dns", "--json", str(BOUNCE))
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output)
    assert obj["recipients"][0]["reason"] == "requireptr"  # the triage fields are unchanged
    dns = obj["dns"]
    assert dns["ips"][0]["ip"] == "192.0.2.11" and dns["ips"][0]["fcrdns_ok"] is False
    assert [f["code"] for f in dns["findings"]] == ["ptr.not_confirmed", "spf.fail"]


def test_enabled_in_config_without_flag_and_no_dns_overrides(knot: KnotServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, knot.address, enabled=True)
    assert "dns" in json.loads(triage(config, "--json", str(BOUNCE)).output)
    assert "dns" not in json.loads(triage(config, "--no-dns", "--json", str(BOUNCE)).output)


def test_no_lookup_unless_asked(tmp_path: Path) -> None:
    with silent_udp_server() as silent:
        config = write_config(tmp_path, silent, enabled=False)
        result = triage(config, "--json", str(BOUNCE))
    assert result.exit_code == 0
    assert "dns" not in json.loads(result.output)
    absent = triage(tmp_path / "absent.toml", str(BOUNCE))
    assert absent.exit_code == 0 and "DNS checks" not in absent.output


def test_dns_with_a_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[dns]\ntimeout = -1\n")
    result = triage(config, "--dns", str(BOUNCE))
    assert result.exit_code == 2
    assert "dns.timeout: must be between" in result.output


def test_bad_dns_section_without_the_flag_leaves_triage_alone(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[dns]\ntimeout = -1\n")
    result = triage(config, "--json", str(BOUNCE))
    assert result.exit_code == 0
    assert "dns" not in json.loads(result.output)
