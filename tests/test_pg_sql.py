"""The repositories' one SQL, as PostgreSQL receives it (db/pg_sql.py): placeholders become psycopg's
only outside quoted text, a literal % survives, and SQLite's `IS NOT ?` keeps its meaning."""
from db.pg_sql import translate


def test_placeholders_outside_quotes_only():
    sql = "SELECT * FROM t WHERE a = ? AND b = '?' AND c = ':x' AND d LIKE '50%' AND e = ?"
    assert translate(sql, False) == ("SELECT * FROM t WHERE a = %s AND b = '?' AND c = ':x' "
                                     "AND d LIKE '50%%' AND e = %s")


def test_named_placeholders_and_quotes_inside_quotes():
    sql = "INSERT INTO t (k, v) VALUES (:key || '|' || 'it''s:here', :value_2)"
    assert translate(sql, True) == "INSERT INTO t (k, v) VALUES (%(key)s || '|' || 'it''s:here', %(value_2)s)"


def test_is_not_a_value_means_is_distinct_from():
    assert translate("UPDATE t SET r = ? WHERE r IS NOT ?", False) == \
        "UPDATE t SET r = %s WHERE r IS DISTINCT FROM %s"
