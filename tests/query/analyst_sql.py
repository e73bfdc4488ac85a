"""SQL an analyst writes against the demo tenants: joins, CTEs, window functions, date math, casts, set operations.

The validator must accept every one of these (a refusal is a false positive), and each must run unchanged on the
tenant's real database. Written before the allow-list was, from what analysts use, not from what it allows.
`HELD_OUT` (every third query of each list) was not run until the allow-list was finished. Its first run
(2026-12-01) found two faults of the rendering, none of the allow-list: on PostgreSQL `FETCH FIRST 5 ROWS ONLY` lost
its 5 to the row cap, on MariaDB `UTC_DATE()` came out as `CURRENT_DATE AT TIME ZONE 'UTC'`; SQLite had none. Both
are fixed and have tests of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalystQuery:
    family: str  # "any" runs on every dialect; else sqlite, postgresql or mysql (MySQL and MariaDB)
    tenant: str
    sql: str


def _q(family: str, tenant: str, *statements: str) -> list[AnalystQuery]:
    return [AnalystQuery(family, tenant, s) for s in statements]


_ANY = (
    _q(
        "any",
        "demo-shop",
        "SELECT c.country_code, COUNT(DISTINCT o.id) AS orders, SUM(o.total_amount) AS revenue FROM customers c "
        "JOIN orders o ON o.customer_id = c.id GROUP BY c.country_code HAVING COUNT(*) > 10 ORDER BY revenue DESC",
        "SELECT p.name, SUM(oi.quantity * oi.unit_price) AS sales FROM order_items oi JOIN products p "
        "ON p.id = oi.product_id GROUP BY p.name ORDER BY sales DESC LIMIT 10",
        "WITH spend AS (SELECT customer_id, SUM(total_amount) AS total FROM orders WHERE status <> 'cancelled' "
        "GROUP BY customer_id) SELECT c.email, s.total FROM spend s JOIN customers c ON c.id = s.customer_id "
        "ORDER BY s.total DESC LIMIT 5",
        "SELECT status, COUNT(*) AS n, ROUND(AVG(total_amount), 2) AS avg_total FROM orders GROUP BY status",
        "SELECT id, total_amount, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ordered_at) AS nth "
        "FROM orders ORDER BY id LIMIT 50",
        "SELECT customer_id, ordered_at, total_amount, SUM(total_amount) OVER (PARTITION BY customer_id "
        "ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM orders "
        "ORDER BY customer_id, ordered_at LIMIT 100",
        "SELECT id, total_amount, LAG(total_amount) OVER (ORDER BY ordered_at) AS previous, "
        "LEAD(total_amount, 1) OVER (ORDER BY ordered_at) AS next_one FROM orders ORDER BY ordered_at LIMIT 20",
        "SELECT name, unit_price, RANK() OVER (ORDER BY unit_price DESC) AS price_rank, "
        "DENSE_RANK() OVER (PARTITION BY category_id ORDER BY unit_price DESC) AS in_category FROM products",
        "SELECT name, NTILE(4) OVER (ORDER BY unit_price) AS quartile FROM products",
        "SELECT c.name AS category, p.name, p.unit_price FROM products p JOIN categories c ON c.id = p.category_id "
        "WHERE p.unit_price > (SELECT AVG(unit_price) FROM products) ORDER BY p.unit_price DESC",
        "SELECT email FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",
        "SELECT c.email FROM customers c WHERE EXISTS (SELECT 1 FROM product_reviews r WHERE r.customer_id = c.id "
        "AND r.rating = 1)",
        "SELECT c.email FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL",
        "SELECT CASE WHEN total_amount >= 500 THEN 'large' WHEN total_amount >= 100 THEN 'medium' ELSE 'small' END "
        "AS bucket, COUNT(*) FROM orders GROUP BY 1 ORDER BY 2 DESC",
        "SELECT COALESCE(body, '(no text)') AS body, COUNT(*) FROM product_reviews GROUP BY COALESCE(body, "
        "'(no text)')",
        "SELECT AVG(CAST(rating AS DECIMAL(5, 2))) FROM product_reviews",
        "SELECT product_id, AVG(rating) AS avg_rating, COUNT(*) AS reviews FROM product_reviews GROUP BY product_id "
        "HAVING COUNT(*) >= 5 ORDER BY avg_rating DESC, product_id LIMIT 10",
        "SELECT LOWER(email), UPPER(country_code), LENGTH(first_name) FROM customers LIMIT 10",
        "SELECT TRIM(name), REPLACE(sku, 'SKU-', '') AS code FROM products WHERE sku LIKE 'SKU-000%'",
        "SELECT first_name, last_name FROM customers WHERE last_name IN ('Nguyen', 'Rossi') AND first_name "
        "BETWEEN 'A' AND 'F' ORDER BY last_name, first_name",
        "SELECT shipping_country_code FROM orders UNION SELECT country_code FROM customers",
        "SELECT customer_id FROM orders WHERE status = 'paid' UNION ALL SELECT customer_id FROM product_reviews",
        "SELECT MIN(total_amount), MAX(total_amount), SUM(total_amount) / COUNT(*) FROM orders",
        "SELECT ABS(unit_price - 100), ROUND(unit_price * 1.19, 2) AS gross FROM products LIMIT 5",
        "SELECT NULLIF(status, 'pending') AS s, COUNT(*) FROM orders GROUP BY NULLIF(status, 'pending')",
        "SELECT p.id, p.name FROM products p WHERE p.id IN (SELECT product_id FROM order_items GROUP BY product_id "
        "HAVING SUM(quantity) > 30)",
        "SELECT o.id, (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS line_count FROM orders o "
        "ORDER BY line_count DESC, o.id LIMIT 10",
        "SELECT t.status, t.n FROM (SELECT status, COUNT(*) AS n FROM orders GROUP BY status) AS t WHERE t.n > 50",
        "WITH RECURSIVE tree AS (SELECT id, name, parent_category_id, 0 AS depth FROM categories WHERE "
        "parent_category_id IS NULL UNION ALL SELECT c.id, c.name, c.parent_category_id, tree.depth + 1 FROM "
        "categories c JOIN tree ON c.parent_category_id = tree.id) SELECT * FROM tree",
        "SELECT DISTINCT country_code FROM customers ORDER BY country_code",
        "SELECT COUNT(DISTINCT customer_id) AS buyers FROM orders WHERE total_amount > 200",
        "SELECT p.name, r.rating, FIRST_VALUE(r.rating) OVER (PARTITION BY p.id ORDER BY r.reviewed_at) AS first "
        "FROM product_reviews r JOIN products p ON p.id = r.product_id LIMIT 30",
        "SELECT o.*, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 5",
        "SELECT * FROM categories",
        "SELECT c.country_code, o.status, COUNT(*) FROM orders o INNER JOIN customers c ON o.customer_id = c.id "
        "GROUP BY c.country_code, o.status ORDER BY c.country_code, o.status",
        "SELECT id FROM orders WHERE total_amount > 100 INTERSECT SELECT order_id FROM order_items WHERE quantity = 3",
        "SELECT id FROM customers EXCEPT SELECT customer_id FROM orders",
        "SELECT name, unit_price FROM products ORDER BY unit_price DESC LIMIT 5 OFFSET 5",
        "SELECT category_id, MAX(unit_price) - MIN(unit_price) AS spread FROM products GROUP BY category_id",
        "SELECT r.rating, COUNT(*) * 100.0 / (SELECT COUNT(*) FROM product_reviews) AS pct FROM product_reviews r "
        "GROUP BY r.rating ORDER BY r.rating",
        "SELECT name FROM products WHERE name LIKE '%Eco%' AND is_active = TRUE",
        "SELECT a.id, b.id FROM categories a CROSS JOIN categories b WHERE a.id < b.id",
        "SELECT id, CAST(total_amount AS INTEGER) AS whole FROM orders LIMIT 3",
        "SELECT SUM(CASE WHEN status IN ('cancelled', 'refunded') THEN 1 ELSE 0 END) * 1.0 / COUNT(*) FROM orders",
    ),
    _q(
        "any",
        "demo-billing",
        "SELECT p.name, COUNT(s.id) AS subscriptions, SUM(s.seats) AS seats FROM plans p LEFT JOIN subscriptions s "
        "ON s.plan_id = p.id GROUP BY p.name ORDER BY seats DESC",
        "SELECT a.company_name, SUM(pay.amount) AS paid FROM accounts a JOIN subscriptions s ON s.account_id = a.id "
        "JOIN invoices i ON i.subscription_id = s.id JOIN payments pay ON pay.invoice_id = i.id "
        "GROUP BY a.company_name ORDER BY paid DESC LIMIT 10",
        "SELECT status, COUNT(*), SUM(amount_due) FROM invoices GROUP BY status",
        "SELECT method, AVG(amount) AS avg_payment FROM payments GROUP BY method ORDER BY avg_payment",
        "SELECT COALESCE(industry, 'unknown') AS industry, COUNT(*) FROM accounts GROUP BY COALESCE(industry, "
        "'unknown')",
        "WITH open_invoices AS (SELECT subscription_id, SUM(amount_due) AS owed FROM invoices WHERE status = 'open' "
        "GROUP BY subscription_id) SELECT s.account_id, SUM(o.owed) FROM open_invoices o JOIN subscriptions s "
        "ON s.id = o.subscription_id GROUP BY s.account_id",
        "SELECT i.id, i.amount_due, COALESCE(SUM(p.amount), 0) AS paid FROM invoices i LEFT JOIN payments p "
        "ON p.invoice_id = i.id GROUP BY i.id, i.amount_due HAVING COALESCE(SUM(p.amount), 0) < i.amount_due "
        "ORDER BY i.id LIMIT 20",
        "SELECT plan_id, status, COUNT(*) FROM subscriptions GROUP BY plan_id, status ORDER BY plan_id, status",
        "SELECT a.country_code, COUNT(DISTINCT a.id) FROM accounts a JOIN subscriptions s ON s.account_id = a.id "
        "WHERE s.status = 'active' GROUP BY a.country_code",
        "SELECT name, monthly_price, monthly_price * 12 AS yearly FROM plans ORDER BY monthly_price",
        "SELECT code FROM plans WHERE seat_limit IS NULL",
        "SELECT s.id, s.seats, p.seat_limit FROM subscriptions s JOIN plans p ON p.id = s.plan_id "
        "WHERE p.seat_limit IS NOT NULL AND s.seats > p.seat_limit * 0.8",
        "SELECT account_id, COUNT(*) AS subs FROM subscriptions GROUP BY account_id HAVING COUNT(*) > 1 "
        "ORDER BY subs DESC, account_id",
        "SELECT i.subscription_id, i.amount_due, AVG(i.amount_due) OVER (PARTITION BY i.subscription_id) AS avg_due "
        "FROM invoices i ORDER BY i.subscription_id LIMIT 40",
        "SELECT description, SUM(quantity), SUM(amount) FROM invoice_lines GROUP BY description",
        "SELECT id, amount, PERCENT_RANK() OVER (ORDER BY amount) AS pr, CUME_DIST() OVER (ORDER BY amount) AS cd "
        "FROM payments LIMIT 25",
    ),
    _q(
        "any",
        "demo-hr",
        "SELECT d.name, COUNT(e.id) AS headcount FROM departments d LEFT JOIN employees e ON e.department_id = d.id "
        "AND e.terminated_on IS NULL GROUP BY d.name ORDER BY headcount DESC",
        "SELECT e.first_name, e.last_name, m.first_name AS manager FROM employees e LEFT JOIN employees m "
        "ON m.id = e.manager_id ORDER BY e.id LIMIT 20",
        "SELECT m.id, m.last_name, COUNT(*) AS reports FROM employees e JOIN employees m ON m.id = e.manager_id "
        "GROUP BY m.id, m.last_name ORDER BY reports DESC LIMIT 5",
        "WITH RECURSIVE chain AS (SELECT id, manager_id, 1 AS level FROM employees WHERE manager_id IS NULL "
        "UNION ALL SELECT e.id, e.manager_id, chain.level + 1 FROM employees e JOIN chain ON e.manager_id = chain.id)"
        " SELECT level, COUNT(*) FROM chain GROUP BY level ORDER BY level",
        "SELECT d.name, AVG(s.annual_amount) AS avg_salary, MAX(s.annual_amount) FROM salaries s "
        "JOIN employees e ON e.id = s.employee_id JOIN departments d ON d.id = e.department_id "
        "WHERE s.currency = 'USD' GROUP BY d.name",
        "SELECT j.title, j.level, COUNT(*) FROM employees e JOIN job_titles j ON j.id = e.job_title_id "
        "GROUP BY j.title, j.level ORDER BY j.level",
        "SELECT kind, COUNT(*) AS requests, SUM(CASE WHEN approved THEN 1 ELSE 0 END) AS approved_requests "
        "FROM time_off_requests GROUP BY kind",
        "SELECT currency, COUNT(*), ROUND(AVG(annual_amount), 0) FROM salaries GROUP BY currency",
        "SELECT e.id, s.annual_amount, RANK() OVER (PARTITION BY e.department_id ORDER BY s.annual_amount DESC) AS r "
        "FROM employees e JOIN salaries s ON s.employee_id = e.id",
        "SELECT work_email FROM employees WHERE terminated_on IS NOT NULL ORDER BY terminated_on DESC",
        "SELECT d.name, h.last_name AS head FROM departments d JOIN employees h ON h.id = d.head_employee_id",
        "SELECT approved, COUNT(*) FROM time_off_requests GROUP BY approved",
        "SELECT employee_id, COUNT(*) FROM time_off_requests WHERE kind = 'sick' GROUP BY employee_id "
        "HAVING COUNT(*) >= 2",
    ),
)

_POSTGRESQL = (
    _q(
        "postgresql",
        "demo-shop",
        "SELECT date_trunc('month', ordered_at) AS month, SUM(total_amount) FROM orders GROUP BY 1 ORDER BY 1",
        "SELECT EXTRACT(YEAR FROM ordered_at) AS year, COUNT(*) FROM orders GROUP BY 1 ORDER BY 1",
        "SELECT to_char(ordered_at, 'YYYY-MM') AS ym, COUNT(*) FROM orders GROUP BY ym ORDER BY ym",
        "SELECT COUNT(*) FROM orders WHERE ordered_at >= DATE '2025-01-01' AND ordered_at < DATE '2025-01-01' + "
        "INTERVAL '3 months'",
        "SELECT id, ordered_at::date AS day FROM orders WHERE ordered_at::date = '2024-06-01'",
        "SELECT date_part('dow', ordered_at) AS weekday, COUNT(*) FROM orders GROUP BY 1 ORDER BY 1",
        "SELECT customer_id, string_agg(status, ', ' ORDER BY ordered_at) FROM orders GROUP BY customer_id LIMIT 5",
        "SELECT category_id, array_agg(name ORDER BY name) FROM products GROUP BY category_id",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total_amount) AS median FROM orders",
        "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY total_amount) FROM orders",
        "SELECT COUNT(*) FILTER (WHERE status = 'refunded') * 100.0 / COUNT(*) FROM orders",
        "SELECT stddev(total_amount), variance(total_amount) FROM orders",
        "SELECT age(now(), MIN(signed_up_at)) FROM customers",
        "SELECT email FROM customers WHERE email ILIKE '%EXAMPLE.COM' LIMIT 3",
        "SELECT split_part(email, '@', 2) AS domain, COUNT(*) FROM customers GROUP BY 1",
        "SELECT initcap(first_name), left(last_name, 1) || '.' FROM customers LIMIT 5",
        "SELECT name, regexp_replace(sku, '[^0-9]', '', 'g')::int AS n FROM products LIMIT 5",
        "SELECT greatest(unit_price, 50), least(unit_price, 50) FROM products LIMIT 5",
        "SELECT d::date AS day, COUNT(o.id) FROM generate_series(DATE '2024-01-01', DATE '2024-01-31', "
        "INTERVAL '1 day') AS d LEFT JOIN orders o ON o.ordered_at::date = d::date GROUP BY 1 ORDER BY 1",
        "SELECT DISTINCT ON (customer_id) customer_id, id, total_amount FROM orders ORDER BY customer_id, "
        "total_amount DESC",
        "SELECT customer_id, total_amount FROM orders ORDER BY total_amount DESC NULLS LAST FETCH FIRST 5 ROWS ONLY",
        "SELECT extract(epoch FROM (MAX(ordered_at) - MIN(ordered_at))) / 86400 AS days FROM orders",
        "SELECT CAST(unit_price AS numeric(12, 1)), unit_price::text, round(unit_price::numeric, 0) FROM products "
        "LIMIT 3",
        "SELECT c.email, o.total_amount FROM customers c JOIN LATERAL (SELECT total_amount FROM orders "
        "WHERE customer_id = c.id ORDER BY total_amount DESC LIMIT 1) o ON true LIMIT 10",
        "SELECT bool_and(is_active), bool_or(is_active), every(unit_price > 0) FROM products",
        "SELECT make_date(2025, 1, 1), current_date - 30, now() - interval '1 week'",
        "SELECT json_agg(json_build_object('id', id, 'total', total_amount)) FROM orders WHERE id <= 3",
        "SELECT date_trunc('week', reviewed_at)::date AS week, avg(rating)::numeric(3, 2) FROM product_reviews "
        "GROUP BY 1 ORDER BY 1 LIMIT 10",
        "SELECT status, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM orders "
        "GROUP BY status",
        "SELECT id, total_amount, avg(total_amount) OVER w AS moving FROM orders WINDOW w AS (ORDER BY ordered_at "
        "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) ORDER BY ordered_at LIMIT 10",
        "SELECT position('@' IN email), substring(email FROM 1 FOR 5), length(email) FROM customers LIMIT 3",
        "SELECT concat(first_name, ' ', last_name), concat_ws('-', country_code, id) FROM customers LIMIT 3",
        "SELECT to_char(signed_up_at, 'Day') AS weekday, count(*) FROM customers GROUP BY 1",
        "SELECT width_bucket(total_amount, 0, 1000, 10) AS bucket, count(*) FROM orders GROUP BY 1 ORDER BY 1",
        "SELECT corr(quantity, unit_price), regr_slope(quantity, unit_price) FROM order_items",
        "SELECT name FROM products WHERE name ~ '^(Eco|Pro) ' ORDER BY name LIMIT 5",
        "SELECT md5(email) FROM customers LIMIT 1",
        "SELECT ordered_at AT TIME ZONE 'UTC' FROM orders LIMIT 1",
        "SELECT justify_days(interval '45 days'), date_trunc('quarter', now())",
        "SELECT trunc(unit_price), ceil(unit_price), floor(unit_price), sign(unit_price - 100), mod(id, 3) "
        "FROM products LIMIT 3",
        "SELECT power(2, 10), sqrt(16), ln(10), log(100), exp(1), pi()",
        "SELECT to_date('2025-03-01', 'YYYY-MM-DD'), to_timestamp('2025-03-01 10:00', 'YYYY-MM-DD HH24:MI'), "
        "to_number('12.5', '99.9')",
        "SELECT lpad(id::text, 6, '0'), rpad(country_code, 4, '*'), reverse(first_name), repeat('-', 3) "
        "FROM customers LIMIT 3",
        "SELECT mode() WITHIN GROUP (ORDER BY status) FROM orders",
        "SELECT now()::date - signed_up_at::date AS days_since FROM customers LIMIT 5",
        "SELECT COUNT(*) FROM orders WHERE ordered_at BETWEEN '2024-01-01' AND '2024-12-31 23:59:59'",
        "SELECT (date_trunc('month', ordered_at) + interval '1 month - 1 day')::date AS month_end FROM orders LIMIT 1",
        "SELECT cast(rating AS float) / 5 FROM product_reviews LIMIT 3",
        "SELECT COALESCE(NULLIF(trim(body), ''), 'n/a') FROM product_reviews LIMIT 5",
        "SELECT status, count(*) FROM orders GROUP BY ROLLUP (status)",
        "SELECT shipping_country_code, status, count(*) FROM orders GROUP BY GROUPING SETS ((shipping_country_code),"
        " (status))",
        "SELECT extract(month FROM ordered_at)::int AS m, to_char(ordered_at, 'Mon') AS name, count(*) FROM orders "
        "GROUP BY 1, 2 ORDER BY 1",
        "SELECT last_value(total_amount) OVER (PARTITION BY customer_id ORDER BY ordered_at ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND UNBOUNDED FOLLOWING) FROM orders LIMIT 5",
        "SELECT nth_value(name, 2) OVER (PARTITION BY category_id ORDER BY unit_price DESC) FROM products LIMIT 5",
        "SELECT x.status FROM (VALUES ('paid'), ('shipped')) AS x(status)",
        "SELECT id FROM orders WHERE status = ANY (ARRAY['paid', 'shipped']) LIMIT 3",
        "SELECT unnest(ARRAY[1, 2, 3]) AS n",
        "SELECT c.email FROM customers c WHERE c.signed_up_at > now() - interval '2 years' AND c.id % 50 = 0",
    ),
    _q(
        "postgresql",
        "demo-billing",
        "SELECT date_trunc('month', issued_at)::date AS month, sum(amount_due) FROM invoices WHERE status = 'paid' "
        "GROUP BY 1 ORDER BY 1",
        "SELECT avg(paid_at - issued_at) FROM payments p JOIN invoices i ON i.id = p.invoice_id",
        "SELECT avg(extract(epoch FROM canceled_at - started_at) / 86400)::numeric(10, 1) FROM subscriptions "
        "WHERE canceled_at IS NOT NULL",
        "SELECT count(*) FROM invoices WHERE due_at < now() AND status = 'open'",
        "SELECT extract(year FROM started_at) AS y, extract(quarter FROM started_at) AS q, count(*) FROM "
        "subscriptions GROUP BY 1, 2 ORDER BY 1, 2",
        "WITH monthly AS (SELECT date_trunc('month', paid_at) AS m, sum(amount) AS revenue FROM payments GROUP BY 1) "
        "SELECT m, revenue, revenue - lag(revenue) OVER (ORDER BY m) AS change FROM monthly ORDER BY m",
        "SELECT account_id, min(started_at)::date AS first_subscription FROM subscriptions GROUP BY account_id "
        "LIMIT 10",
        "SELECT method, to_char(sum(amount), 'FM999G999G990D00') FROM payments GROUP BY method",
        "SELECT s.status, count(*) FILTER (WHERE p.seat_limit IS NULL) AS unlimited FROM subscriptions s "
        "JOIN plans p ON p.id = s.plan_id GROUP BY s.status",
        "SELECT date_part('day', due_at - issued_at) AS terms, count(*) FROM invoices GROUP BY 1",
        "SELECT a.company_name FROM accounts a WHERE a.created_at >= '2024-03-01'::timestamp ORDER BY 1 LIMIT 5",
        "SELECT generate_series(1, 3) AS n",
    ),
    _q(
        "postgresql",
        "demo-hr",
        "SELECT extract(year FROM age(coalesce(terminated_on, current_date), hired_on)) AS tenure, count(*) "
        "FROM employees GROUP BY 1 ORDER BY 1",
        "SELECT date_trunc('year', hired_on)::date, count(*) FROM employees GROUP BY 1 ORDER BY 1",
        "SELECT sum(ends_on - starts_on + 1) AS days FROM time_off_requests WHERE approved",
        "SELECT employee_id, annual_amount::int, currency FROM salaries ORDER BY annual_amount DESC LIMIT 5",
        "SELECT to_char(hired_on, 'YYYY') AS year, string_agg(DISTINCT currency, '/') FROM employees e "
        "JOIN salaries s ON s.employee_id = e.id GROUP BY 1 ORDER BY 1",
        "SELECT count(*) FILTER (WHERE terminated_on IS NULL) AS active, count(*) FILTER (WHERE terminated_on IS NOT "
        "NULL) AS left_company FROM employees",
        "SELECT kind, avg(ends_on - starts_on)::numeric(5, 1) FROM time_off_requests GROUP BY kind",
        "SELECT hired_on, hired_on + 90 AS probation_end FROM employees ORDER BY hired_on DESC LIMIT 5",
    ),
)

_MYSQL = (
    _q(
        "mysql",
        "demo-shop",
        "SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS month, SUM(total_amount) FROM orders GROUP BY month ORDER BY month",
        "SELECT YEAR(ordered_at) AS y, MONTH(ordered_at) AS m, COUNT(*) FROM orders GROUP BY y, m ORDER BY y, m",
        "SELECT COUNT(*) FROM orders WHERE ordered_at >= '2025-01-01' AND ordered_at < DATE_ADD('2025-01-01', "
        "INTERVAL 3 MONTH)",
        "SELECT DATE(ordered_at) AS day, COUNT(*) FROM orders GROUP BY DATE(ordered_at) ORDER BY day LIMIT 10",
        "SELECT DAYOFWEEK(ordered_at) AS dow, DAYNAME(ordered_at), COUNT(*) FROM orders GROUP BY dow, "
        "DAYNAME(ordered_at) ORDER BY dow",
        "SELECT customer_id, GROUP_CONCAT(status ORDER BY ordered_at SEPARATOR ', ') FROM orders GROUP BY customer_id "
        "LIMIT 5",
        "SELECT DATEDIFF(MAX(ordered_at), MIN(ordered_at)) AS span_days FROM orders",
        "SELECT TIMESTAMPDIFF(MONTH, signed_up_at, NOW()) AS months, COUNT(*) FROM customers GROUP BY months "
        "ORDER BY months LIMIT 5",
        "SELECT IFNULL(body, 'none'), IF(rating >= 4, 'good', 'bad') AS verdict FROM product_reviews LIMIT 5",
        "SELECT CONCAT(first_name, ' ', last_name) AS name, CONCAT_WS('-', country_code, id) FROM customers LIMIT 3",
        "SELECT SUBSTRING_INDEX(email, '@', -1) AS domain, COUNT(*) FROM customers GROUP BY domain",
        "SELECT LEFT(sku, 3), RIGHT(sku, 5), LPAD(id, 6, '0'), LOCATE('-', sku) FROM products LIMIT 3",
        "SELECT CAST(total_amount AS SIGNED), CAST(total_amount AS DECIMAL(10, 1)), CAST(id AS CHAR) FROM orders "
        "LIMIT 3",
        "SELECT ROUND(AVG(rating), 2), STDDEV(rating), VARIANCE(rating) FROM product_reviews",
        "SELECT LAST_DAY(ordered_at), WEEK(ordered_at), QUARTER(ordered_at) FROM orders LIMIT 3",
        "SELECT STR_TO_DATE('2025-03-01', '%Y-%m-%d'), CURDATE(), CURRENT_DATE, NOW() - INTERVAL 7 DAY",
        "SELECT DATE_SUB(CURDATE(), INTERVAL 1 YEAR), DATE_ADD(signed_up_at, INTERVAL 30 DAY) FROM customers LIMIT 2",
        "SELECT GREATEST(unit_price, 50), LEAST(unit_price, 50), MOD(id, 3), TRUNCATE(unit_price, 0) FROM products "
        "LIMIT 3",
        "SELECT COUNT(*) FROM orders WHERE status IN ('paid', 'shipped') AND YEAR(ordered_at) = 2025",
        "SELECT name FROM products WHERE name REGEXP '^(Eco|Pro) ' ORDER BY name LIMIT 5",
        "SELECT status, COUNT(*) AS n, ROUND(100 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS pct FROM orders "
        "GROUP BY status",
        "SELECT UNIX_TIMESTAMP(ordered_at), FROM_UNIXTIME(UNIX_TIMESTAMP(ordered_at)) FROM orders LIMIT 1",
        "SELECT HOUR(ordered_at) AS h, COUNT(*) FROM orders GROUP BY h ORDER BY h",
        "SELECT MONTHNAME(ordered_at), COUNT(*) FROM orders GROUP BY MONTHNAME(ordered_at)",
        "SELECT EXTRACT(YEAR_MONTH FROM ordered_at) AS ym, COUNT(*) FROM orders GROUP BY ym ORDER BY ym LIMIT 5",
        "SELECT c.email, t.top_total FROM customers c JOIN (SELECT customer_id, MAX(total_amount) AS top_total "
        "FROM orders GROUP BY customer_id) t ON t.customer_id = c.id ORDER BY t.top_total DESC LIMIT 5",
        "SELECT `status`, COUNT(*) FROM `orders` GROUP BY `status`",
        "SELECT id, total_amount FROM orders ORDER BY total_amount DESC LIMIT 5, 5",
        "SELECT POW(2, 10), SQRT(16), LN(10), LOG10(100), EXP(1), PI(), CEIL(1.2), FLOOR(1.8), SIGN(-3)",
        "SELECT UPPER(LEFT(first_name, 1)), LOWER(last_name), CHAR_LENGTH(email), REVERSE(first_name) FROM "
        "customers LIMIT 3",
        "SELECT JSON_OBJECT('id', id, 'total', total_amount) FROM orders LIMIT 2",
        "SELECT DATE_FORMAT(signed_up_at, '%W') AS weekday, COUNT(*) FROM customers GROUP BY weekday",
        "SELECT WEEKDAY(ordered_at), DAYOFMONTH(ordered_at), DAYOFYEAR(ordered_at) FROM orders LIMIT 2",
        "SELECT customer_id, SUM(total_amount) FROM orders GROUP BY customer_id WITH ROLLUP LIMIT 5",
        "SELECT MD5(email), SHA2(email, 256) FROM customers LIMIT 1",
        "SELECT TIMESTAMPDIFF(DAY, MIN(ordered_at), MAX(ordered_at)) FROM orders",
        "SELECT ELT(rating, 'awful', 'bad', 'ok', 'good', 'great') FROM product_reviews LIMIT 5",
        "SELECT FIELD(status, 'pending', 'paid', 'shipped') AS step, COUNT(*) FROM orders GROUP BY step",
        "SELECT COALESCE(NULLIF(TRIM(body), ''), 'n/a') FROM product_reviews LIMIT 5",
        "SELECT FORMAT(SUM(total_amount), 2) FROM orders",
        "SELECT REPLACE(name, 'item', 'thing'), INSTR(name, 'item'), SUBSTRING(name, 1, 5) FROM products LIMIT 3",
        "SELECT CURRENT_TIMESTAMP, UTC_DATE(), UTC_TIMESTAMP()",
        "SELECT DATE_FORMAT(ordered_at, '%x-W%v') AS iso_week, COUNT(*) FROM orders GROUP BY iso_week LIMIT 5",
        "SELECT id, total_amount, AVG(total_amount) OVER (ORDER BY ordered_at ROWS BETWEEN 6 PRECEDING AND CURRENT "
        "ROW) AS moving FROM orders ORDER BY ordered_at LIMIT 10",
        "SELECT CASE WHEN MONTH(ordered_at) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season, COUNT(*) "
        "FROM orders GROUP BY season",
    ),
    _q(
        "mysql",
        "demo-billing",
        "SELECT DATE_FORMAT(issued_at, '%Y-%m') AS month, SUM(amount_due) FROM invoices WHERE status = 'paid' "
        "GROUP BY month ORDER BY month",
        "SELECT AVG(DATEDIFF(paid_at, issued_at)) FROM payments p JOIN invoices i ON i.id = p.invoice_id",
        "SELECT AVG(TIMESTAMPDIFF(DAY, started_at, canceled_at)) FROM subscriptions WHERE canceled_at IS NOT NULL",
        "SELECT COUNT(*) FROM invoices WHERE due_at < NOW() AND status = 'open'",
        "SELECT YEAR(started_at), QUARTER(started_at), COUNT(*) FROM subscriptions GROUP BY YEAR(started_at), "
        "QUARTER(started_at)",
        "WITH monthly AS (SELECT DATE_FORMAT(paid_at, '%Y-%m-01') AS m, SUM(amount) AS revenue FROM payments "
        "GROUP BY m) SELECT m, revenue, revenue - LAG(revenue) OVER (ORDER BY m) AS change_amount FROM monthly",
        "SELECT account_id, DATE(MIN(started_at)) FROM subscriptions GROUP BY account_id LIMIT 10",
        "SELECT method, ROUND(SUM(amount), 2) FROM payments GROUP BY method",
        "SELECT IFNULL(industry, 'unknown'), COUNT(*) FROM accounts GROUP BY IFNULL(industry, 'unknown')",
        "SELECT a.company_name FROM accounts a WHERE a.created_at >= '2024-03-01' ORDER BY 1 LIMIT 5",
    ),
    _q(
        "mysql",
        "demo-hr",
        "SELECT TIMESTAMPDIFF(YEAR, hired_on, COALESCE(terminated_on, CURDATE())) AS tenure, COUNT(*) FROM employees "
        "GROUP BY tenure ORDER BY tenure",
        "SELECT YEAR(hired_on), COUNT(*) FROM employees GROUP BY YEAR(hired_on) ORDER BY 1",
        "SELECT SUM(DATEDIFF(ends_on, starts_on) + 1) FROM time_off_requests WHERE approved = 1",
        "SELECT employee_id, CAST(annual_amount AS UNSIGNED), currency FROM salaries ORDER BY annual_amount DESC "
        "LIMIT 5",
        "SELECT d.name, GROUP_CONCAT(DISTINCT s.currency) FROM departments d JOIN employees e ON e.department_id = "
        "d.id JOIN salaries s ON s.employee_id = e.id GROUP BY d.name",
        "SELECT SUM(terminated_on IS NULL) AS active, SUM(terminated_on IS NOT NULL) AS gone FROM employees",
        "SELECT hired_on, DATE_ADD(hired_on, INTERVAL 90 DAY) FROM employees ORDER BY hired_on DESC LIMIT 5",
    ),
)

_SQLITE = (
    _q(
        "sqlite",
        "demo-shop",
        "SELECT strftime('%Y-%m', ordered_at) AS month, SUM(total_amount) FROM orders GROUP BY month ORDER BY month",
        "SELECT CAST(strftime('%Y', ordered_at) AS INTEGER) AS year, COUNT(*) FROM orders GROUP BY year",
        "SELECT COUNT(*) FROM orders WHERE ordered_at >= '2025-01-01' AND ordered_at < date('2025-01-01', '+3 months')",
        "SELECT date(ordered_at) AS day, COUNT(*) FROM orders GROUP BY day ORDER BY day LIMIT 10",
        "SELECT strftime('%w', ordered_at) AS dow, COUNT(*) FROM orders GROUP BY dow",
        "SELECT customer_id, group_concat(status, ', ') FROM orders GROUP BY customer_id LIMIT 5",
        "SELECT julianday(MAX(ordered_at)) - julianday(MIN(ordered_at)) FROM orders",
        "SELECT CAST((julianday('now') - julianday(signed_up_at)) / 30 AS INTEGER) AS months, COUNT(*) "
        "FROM customers GROUP BY months ORDER BY months LIMIT 5",
        "SELECT ifnull(body, 'none'), iif(rating >= 4, 'good', 'bad') FROM product_reviews LIMIT 5",
        "SELECT first_name || ' ' || last_name FROM customers LIMIT 3",
        "SELECT substr(email, instr(email, '@') + 1) AS domain, COUNT(*) FROM customers GROUP BY domain",
        "SELECT substr(sku, 1, 3), length(sku), upper(name), lower(name) FROM products LIMIT 3",
        "SELECT CAST(total_amount AS INTEGER), CAST(total_amount AS REAL), CAST(id AS TEXT) FROM orders LIMIT 3",
        "SELECT round(avg(rating), 2), total(rating), count(rating) FROM product_reviews",
        "SELECT date(ordered_at, 'start of month', '+1 month', '-1 day') FROM orders LIMIT 3",
        "SELECT datetime('now'), date('now', '-30 days'), time('now')",
        "SELECT max(unit_price, 50), min(unit_price, 50), id % 3 FROM products LIMIT 3",
        "SELECT COUNT(*) FROM orders WHERE status IN ('paid', 'shipped') AND strftime('%Y', ordered_at) = '2025'",
        "SELECT name FROM products WHERE name GLOB 'Eco *' ORDER BY name LIMIT 5",
        "SELECT status, COUNT(*) AS n, ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS pct FROM orders "
        "GROUP BY status",
        "SELECT strftime('%s', ordered_at) FROM orders LIMIT 1",
        "SELECT CAST(strftime('%H', ordered_at) AS INTEGER) AS h, COUNT(*) FROM orders GROUP BY h ORDER BY h",
        "SELECT printf('%.2f', SUM(total_amount)) FROM orders",
        "SELECT replace(name, 'item', 'thing'), trim(name), ltrim(sku, 'SKU-'), rtrim(name, '0123456789') "
        "FROM products LIMIT 3",
        "SELECT typeof(total_amount), abs(-1), round(2.567, 1), coalesce(NULL, 1), nullif(1, 1) FROM orders LIMIT 1",
        "SELECT id, total_amount, AVG(total_amount) OVER (ORDER BY ordered_at ROWS BETWEEN 6 PRECEDING AND CURRENT "
        "ROW) AS moving FROM orders ORDER BY ordered_at LIMIT 10",
        "SELECT CASE WHEN CAST(strftime('%m', ordered_at) AS INTEGER) IN (12, 1, 2) THEN 'winter' ELSE 'other' END "
        "AS season, COUNT(*) FROM orders GROUP BY season",
        'SELECT "status", COUNT(*) FROM "orders" GROUP BY "status"',
        "SELECT id FROM orders ORDER BY total_amount DESC LIMIT 5 OFFSET 5",
        "SELECT unicode(first_name), char(65), hex(id), quote(email), instr(email, '.') FROM customers LIMIT 2",
        "SELECT json_object('id', id, 'total', total_amount) FROM orders LIMIT 2",
        "SELECT strftime('%W', ordered_at) AS week, COUNT(*) FROM orders GROUP BY week LIMIT 5",
        "SELECT COUNT(*) FROM orders WHERE date(ordered_at) BETWEEN '2024-01-01' AND '2024-12-31'",
        "SELECT likely(1), coalesce(body, '') FROM product_reviews LIMIT 1",
        "SELECT sum(quantity * unit_price) FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE "
        "strftime('%Y-%m', ordered_at) = '2024-05')",
        "SELECT product_id, avg(rating) FROM product_reviews GROUP BY product_id HAVING count(*) > 3 "
        "ORDER BY 2 DESC LIMIT 5",
    ),
    _q(
        "sqlite",
        "demo-billing",
        "SELECT strftime('%Y-%m', issued_at) AS month, SUM(amount_due) FROM invoices WHERE status = 'paid' "
        "GROUP BY month ORDER BY month",
        "SELECT AVG(julianday(paid_at) - julianday(issued_at)) FROM payments p JOIN invoices i ON i.id = p.invoice_id",
        "SELECT AVG(julianday(canceled_at) - julianday(started_at)) FROM subscriptions WHERE canceled_at IS NOT NULL",
        "SELECT COUNT(*) FROM invoices WHERE due_at < datetime('now') AND status = 'open'",
        "SELECT strftime('%Y', started_at) AS y, (CAST(strftime('%m', started_at) AS INTEGER) + 2) / 3 AS q, "
        "COUNT(*) FROM subscriptions GROUP BY y, q",
        "WITH monthly AS (SELECT strftime('%Y-%m', paid_at) AS m, SUM(amount) AS revenue FROM payments GROUP BY m) "
        "SELECT m, revenue, revenue - LAG(revenue) OVER (ORDER BY m) FROM monthly",
        "SELECT account_id, MIN(date(started_at)) FROM subscriptions GROUP BY account_id LIMIT 10",
        "SELECT method, ROUND(SUM(amount), 2) FROM payments GROUP BY method",
        "SELECT ifnull(industry, 'unknown'), COUNT(*) FROM accounts GROUP BY 1",
    ),
    _q(
        "sqlite",
        "demo-hr",
        "SELECT CAST((julianday(COALESCE(terminated_on, date('now'))) - julianday(hired_on)) / 365.25 AS INTEGER) "
        "AS tenure, COUNT(*) FROM employees GROUP BY tenure ORDER BY tenure",
        "SELECT strftime('%Y', hired_on), COUNT(*) FROM employees GROUP BY 1 ORDER BY 1",
        "SELECT SUM(julianday(ends_on) - julianday(starts_on) + 1) FROM time_off_requests WHERE approved = 1",
        "SELECT d.name, group_concat(DISTINCT s.currency) FROM departments d JOIN employees e ON e.department_id = "
        "d.id JOIN salaries s ON s.employee_id = e.id GROUP BY d.name",
        "SELECT SUM(terminated_on IS NULL), SUM(terminated_on IS NOT NULL) FROM employees",
        "SELECT hired_on, date(hired_on, '+90 days') FROM employees ORDER BY hired_on DESC LIMIT 5",
    ),
)


def _split(groups: tuple[list[AnalystQuery], ...]) -> tuple[list[AnalystQuery], list[AnalystQuery]]:
    tuning: list[AnalystQuery] = []
    held_out: list[AnalystQuery] = []
    for group in groups:
        for i, query in enumerate(group):
            (held_out if i % 3 == 2 else tuning).append(query)
    return tuning, held_out


TUNING, HELD_OUT = _split(_ANY + _POSTGRESQL + _MYSQL + _SQLITE)
ALL = TUNING + HELD_OUT
