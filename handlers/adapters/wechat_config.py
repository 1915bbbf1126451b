"""WeChat / WeCom settings, taken from `Settings.env` (read once in bot.py) and checked before serving.

Secret fields (token, AES key, app secret, robot URLs — a robot's URL carries its key) are left out of
repr(), so printing or logging a config can never leak them.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Mapping

DEFAULT_PORTS = {"wechat": 8080, "wecom": 8081}


class ConfigError(ValueError):
    """A missing or malformed variable; the message (Chinese, for the operator) names it."""


@dataclass(frozen=True)
class Robot:
    """A WeCom group robot: `name` is how groups are addressed (chat id "robot:<name>")."""

    name: str
    url: str = field(repr=False)


@dataclass(frozen=True)
class WeChatConfig:
    product: str  # "wechat" (official account) or "wecom" (WeCom app)
    token: str = field(default="", repr=False)
    aes_key: str = field(default="", repr=False)
    app_id: str = ""  # AppID (official account) or CorpID (WeCom)
    secret: str = field(default="", repr=False)
    agent_id: int | None = None
    api_base: str = ""  # "" → wechatpy's default (api.weixin.qq.com / qyapi.weixin.qq.com)
    host: str = "127.0.0.1"
    port: int = 8080
    robots: tuple[Robot, ...] = ()

    @property
    def can_push(self) -> bool:
        """Customer-service / app messages need the secret (and WeCom's agent id)."""
        return bool(self.app_id and self.secret and (self.product == "wechat" or self.agent_id is not None))

    @classmethod
    def from_env(cls, env: Mapping[str, str], product: str) -> "WeChatConfig":
        prefix = "WECHAT_" if product == "wechat" else "WECOM_"
        get = lambda name, default="": (env.get(prefix + name) or default).strip()  # noqa: E731
        token, aes_key = get("TOKEN"), get("AES_KEY")
        app_id = get("APPID") if product == "wechat" else get("CORPID")
        if not token:
            raise ConfigError(f"缺少 {prefix}TOKEN（后台“服务器配置”里的令牌 Token）。")
        if aes_key:
            check_aes_key(aes_key, prefix + "AES_KEY")
        if product == "wecom" and not (aes_key and app_id):
            raise ConfigError("企业微信回调需要 WECOM_AES_KEY（EncodingAESKey）和 WECOM_CORPID。")
        if product == "wechat" and aes_key and not app_id:
            raise ConfigError("安全模式需要 WECHAT_APPID（与 WECHAT_AES_KEY 一起）。")
        agent = get("AGENT_ID")
        if agent and not agent.isdigit():
            raise ConfigError(f"WECOM_AGENT_ID 应为数字，收到：{agent[:20]}")
        port = get("PORT", str(DEFAULT_PORTS[product]))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"{prefix}PORT 应为 1–65535 的端口号，收到：{port[:20]}")
        base = get("API_BASE")
        return cls(product=product, token=token, aes_key=aes_key, app_id=app_id, secret=get("SECRET"),
                   agent_id=int(agent) if agent else None,
                   api_base=base if not base or base.endswith("/") else base + "/",
                   host=get("HOST", "127.0.0.1"), port=int(port), robots=robots_from(env))


def wecom_app_config(env: Mapping[str, str]) -> WeChatConfig | None:
    """The WeCom app's sending side, when configured (the official-account server can push there too)."""
    corp, secret, agent = (env.get(f"WECOM_{k}", "").strip() for k in ("CORPID", "SECRET", "AGENT_ID"))
    if not (corp and secret and agent.isdigit()):
        return None
    base = env.get("WECOM_API_BASE", "").strip()
    return WeChatConfig(product="wecom", app_id=corp, secret=secret, agent_id=int(agent),
                        api_base=base if not base or base.endswith("/") else base + "/")


def check_aes_key(value: str, name: str) -> None:
    """An EncodingAESKey is 43 Base64 characters (32 bytes once '=' is appended)."""
    try:
        ok = len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"{name} 应为 43 位 EncodingAESKey（后台“消息加解密密钥”）。")


def robots_from(env: Mapping[str, str]) -> tuple[Robot, ...]:
    """WECOM_ROBOT_URLS: `name=url` entries (or bare URLs, named robot1, robot2 …), comma-separated."""
    robots: list[Robot] = []
    raw = env.get("WECOM_ROBOT_URLS", "")
    for n, entry in enumerate((e.strip() for e in raw.replace(";", ",").split(",")), 1):
        if not entry:
            continue
        name, sep, url = entry.partition("=")
        if not sep or name.strip().lower().startswith(("http://", "https://")):
            name, url = f"robot{n}", entry
        name, url = name.strip(), url.strip()
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"WECOM_ROBOT_URLS 第 {n} 项“{name}”不是 http(s) 地址。")
        if any(r.name == name for r in robots):
            raise ConfigError(f"WECOM_ROBOT_URLS 中机器人名称“{name}”重复。")
        robots.append(Robot(name, url))
    return tuple(robots)
