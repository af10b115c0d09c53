from django.core.management.base import BaseCommand

from sessions_audit.services import sessions_expire


class Command(BaseCommand):
    help = "Mark active access sessions past their expiry as expired (what beat does every minute)."

    def handle(self, *args, **options):
        count = sessions_expire()
        self.stdout.write(f"Expired {count} session{'s' if count != 1 else ''}.")
