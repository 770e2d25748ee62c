"""Info providers by the name params.yaml uses for them (info.provider)."""

from stages.providers.info.local import LocalInfo

INFO_PROVIDERS = {LocalInfo.name: LocalInfo}
