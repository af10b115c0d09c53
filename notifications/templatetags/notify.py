from django import template

from notifications.models import SlackChannel

register = template.Library()


@register.simple_tag
def slack_hint(project) -> str:
    """The last characters of the project's Slack webhook URL, or "" when it has none."""
    channel = SlackChannel.objects.filter(project=project).only("webhook_hint").first()
    return channel.webhook_hint if channel else ""
