from django.db import migrations

# The email is the role session name CloudTrail shows and how SSO and Members find a person:
# one person per email, case-insensitively, enforced by the database (empty emails aside).
INDEX = "auth_user_email_ci_unique"


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (UPPER(email)) WHERE email <> ''",
            f"DROP INDEX {INDEX}",
        ),
    ]
