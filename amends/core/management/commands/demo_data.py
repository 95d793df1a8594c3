from django.core.management.base import BaseCommand

from amends.core.demo import DEMO_PASSWORD, USERS, demo_data_load


class Command(BaseCommand):
    help = "Load a multilingual demo world (teams, users, locations, customers, feedback, cases). Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        summary = demo_data_load()
        if not any(summary.created.values()):
            self.stdout.write("The demo data is already loaded; nothing was added.")
        self.stdout.write("Demo data (added this run / in the database):")
        for name, total in summary.totals.items():
            self.stdout.write(f"  {name:<13}{summary.created[name]:>5} / {total}")
        self.stdout.write(f"  cases open {summary.open_cases}, resolved {summary.resolved_cases}")
        self.stdout.write(f'\nLogins (password "{DEMO_PASSWORD}"):')
        for spec in USERS:
            self.stdout.write(f"  {spec.username:<11} {spec.role.label}, teams: {', '.join(spec.teams)}")
        if summary.created["users"] < len(USERS):
            self.stdout.write("Users that existed before this run keep their own password.")
