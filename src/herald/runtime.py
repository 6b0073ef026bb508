"""The process-wide runtime: settings, database, signer, distributors, rate limiter.

Built once per process (web, worker or CLI) and shared by the entry points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from herald.campaigns.dispatch.sender import Dispatcher
from herald.delivery.chain import DistributorChain
from herald.delivery.dkim_keys import DkimKeyring
from herald.delivery.message import EmailDistributor
from herald.delivery.null import NullDistributor
from herald.delivery.providers.acs import AcsDistributor
from herald.delivery.providers.mailjet import MailjetDistributor
from herald.delivery.providers.smtp import SmtpConfig, SmtpDistributor
from herald.delivery.webhooks import WebhookReceiver
from herald.kit.crypto import SecretBox
from herald.kit.db import make_engine, make_sessionmaker
from herald.kit.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from herald.kit.settings import Settings
from herald.kit.tokens import TokenSigner
from herald.tracking.recorder import Recorder
from herald.transactional import Notifier, notifier_for
from herald.transactional.optin import SenderIdentity


def build_distributors(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], keys: list[bytes]
) -> DistributorChain:
    chain: list[EmailDistributor] = []
    for name in settings.distributor_chain:
        if name == "null":
            chain.append(NullDistributor(sessions))
        elif name == "smtp":
            if not settings.smtp_url:
                raise ValueError("HERALD_DISTRIBUTORS names smtp but HERALD_SMTP_URL is not set")
            chain.append(
                SmtpDistributor(
                    SmtpConfig.from_url(settings.smtp_url),
                    settings.smtp_pool_size,
                    keyring=DkimKeyring(sessions, SecretBox(keys)),
                    tokens=TokenSigner(keys),
                    bounce_domain=settings.bounce_domain,
                )
            )
        elif name == "mailjet":
            if not (settings.mailjet_api_key and settings.mailjet_api_secret):
                raise ValueError(
                    "HERALD_DISTRIBUTORS names mailjet but HERALD_MAILJET_API_KEY/"
                    "HERALD_MAILJET_API_SECRET are not set"
                )
            chain.append(
                MailjetDistributor(
                    settings.mailjet_api_url,
                    settings.mailjet_api_key,
                    settings.mailjet_api_secret,
                    sandbox=settings.mailjet_sandbox,
                )
            )
        elif name == "acs":
            if not (settings.acs_endpoint and settings.acs_access_key):
                raise ValueError(
                    "HERALD_DISTRIBUTORS names acs but HERALD_ACS_ENDPOINT/ACCESS_KEY are not set"
                )
            chain.append(
                AcsDistributor(
                    settings.acs_endpoint,
                    settings.acs_access_key,
                    poll_seconds=settings.acs_poll_seconds,
                )
            )
        else:
            raise ValueError(f"distributor {name!r} is not available in this build")
    return DistributorChain(
        chain,
        secret=keys[0],
        threshold=settings.breaker_threshold,
        cooldown=settings.breaker_cooldown_seconds,
        timeout=settings.distributor_timeout_seconds,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    signer: TokenSigner
    secrets: SecretBox
    distributor: DistributorChain
    limiter: RateLimiter
    keys: list[bytes]
    webhooks: WebhookReceiver
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def sender(self) -> SenderIdentity:
        return SenderIdentity(
            email=self.settings.default_from_email,
            name=self.settings.default_from_name,
            base_url=self.settings.base_url,
            message_id_secret=self.keys[0],
        )

    def notifier(self) -> Notifier:
        """Renders transactional mail: the template catalogue and the link signer."""
        found = self.extras.get("notifier")
        if not isinstance(found, Notifier):
            found = notifier_for(self.settings, self.signer)
            self.extras["notifier"] = found
        return found

    def recorder(self) -> Recorder:
        """The tracking recorder of this process (started on first use)."""
        found = self.extras.get("recorder")
        if not isinstance(found, Recorder):
            found = Recorder(self.sessions, self.signer)
            found.start()
            self.extras["recorder"] = found
        return found

    def dispatcher(self) -> Dispatcher:
        found = self.extras.get("dispatcher")
        if not isinstance(found, Dispatcher):
            found = Dispatcher(
                sessions=self.sessions,
                settings=self.settings,
                signer=self.signer,
                distributor=self.distributor,
                chunk=max(1, self.settings.smtp_pool_size),
            )
            self.extras["dispatcher"] = found
        return found

    async def close(self) -> None:
        recorder = self.extras.pop("recorder", None)
        if isinstance(recorder, Recorder):
            await recorder.close()
        await self.distributor.close()
        if isinstance(self.limiter, RedisRateLimiter):
            await self.limiter.close()
        await self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
    sessions = make_sessionmaker(engine)
    keys = settings.secret_keys()
    limiter: RateLimiter = (
        RedisRateLimiter(settings.redis_url) if settings.redis_url else MemoryRateLimiter()
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        signer=TokenSigner(keys),
        secrets=SecretBox(keys),
        distributor=build_distributors(settings, sessions, keys),
        limiter=limiter,
        keys=keys,
        webhooks=WebhookReceiver(
            secret=settings.webhook_secret,
            message_id_secrets=keys,
            ses_topic_arns=settings.ses_topic_arn_list,
        ),
    )
