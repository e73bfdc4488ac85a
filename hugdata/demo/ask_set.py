"""Question -> SQL pairs over the demo tenants (SQLite), for measuring execution accuracy and retrieval recall.

The SQL is the reference answer: a planner's or an LLM's answer is right when its result matches this one's
(`hugdata.query.compare.results_match`). Some questions are beyond the offline planner on purpose (expressions,
anti-joins, three-hop joins), so its accuracy here is an honest figure rather than 1.0 by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp


@dataclass(frozen=True)
class AskPair:
    project_id: str
    question: str
    sql: str

    @property
    def tables(self) -> frozenset[str]:
        """The tables the reference SQL reads, qualified as the demo catalogs name them."""
        tree = sqlglot.parse_one(self.sql, read="sqlite")
        return frozenset(f"main.{t.name}" for t in tree.find_all(exp.Table))


def _shop(question: str, sql: str) -> AskPair:
    return AskPair("demo-shop", question, sql)


def _billing(question: str, sql: str) -> AskPair:
    return AskPair("demo-billing", question, sql)


def _hr(question: str, sql: str) -> AskPair:
    return AskPair("demo-hr", question, sql)


ASK_SET: tuple[AskPair, ...] = (
    # demo-shop
    _shop("How many customers are there?", "SELECT COUNT(*) FROM customers"),
    _shop("How many orders do we have?", "SELECT COUNT(*) FROM orders"),
    _shop("Number of orders per status", "SELECT status, COUNT(*) FROM orders GROUP BY status"),
    _shop("How many customers per country?", "SELECT country_code, COUNT(*) FROM customers GROUP BY country_code"),
    _shop("What is the average order value?", "SELECT AVG(total_amount) FROM orders"),
    _shop(
        "Total revenue per shipping country",
        "SELECT shipping_country_code, SUM(total_amount) FROM orders GROUP BY shipping_country_code",
    ),
    _shop(
        "How many orders were cancelled or refunded?",
        "SELECT COUNT(*) FROM orders WHERE status IN ('cancelled', 'refunded')",
    ),
    _shop("How many active products are there?", "SELECT COUNT(*) FROM products WHERE is_active = 1"),
    _shop(
        "List the 5 most expensive products",
        "SELECT name, unit_price FROM products ORDER BY unit_price DESC LIMIT 5",
    ),
    _shop(
        "Average unit price per category",
        "SELECT c.name, AVG(p.unit_price) FROM products AS p JOIN categories AS c ON p.category_id = c.id "
        "GROUP BY c.id, c.name",
    ),
    _shop(
        "Average rating per product category",
        "SELECT c.name, AVG(r.rating) FROM product_reviews AS r JOIN products AS p ON r.product_id = p.id "
        "JOIN categories AS c ON p.category_id = c.id GROUP BY c.id, c.name",
    ),
    _shop(
        "Top 10 customers by total amount spent on orders",
        "SELECT c.first_name, c.last_name, SUM(o.total_amount) AS spent FROM customers AS c "
        "JOIN orders AS o ON o.customer_id = c.id GROUP BY c.id ORDER BY spent DESC LIMIT 10",
    ),
    _shop(
        "Which 5 products brought in the most revenue from order items?",
        "SELECT p.name, SUM(i.quantity * i.unit_price) AS revenue FROM order_items AS i "
        "JOIN products AS p ON i.product_id = p.id GROUP BY p.id ORDER BY revenue DESC LIMIT 5",
    ),
    _shop(
        "Number of orders per month",
        "SELECT STRFTIME('%Y-%m', ordered_at) AS month, COUNT(*) FROM orders GROUP BY month",
    ),
    _shop(
        "How many orders were placed in 2025?",
        "SELECT COUNT(*) FROM orders WHERE ordered_at >= '2025-01-01' AND ordered_at < '2026-01-01'",
    ),
    _shop("How many reviews have a rating of 5?", "SELECT COUNT(*) FROM product_reviews WHERE rating = 5"),
    _shop("What is the average rating of product reviews?", "SELECT AVG(rating) FROM product_reviews"),
    _shop(
        "Number of products per category",
        "SELECT c.name, COUNT(*) FROM products AS p JOIN categories AS c ON p.category_id = c.id GROUP BY c.id",
    ),
    _shop("How many orders have status shipped?", "SELECT COUNT(*) FROM orders WHERE status = 'shipped'"),
    _shop(
        "List orders with a total amount over 3000",
        "SELECT id, customer_id, status, total_amount FROM orders WHERE total_amount > 3000",
    ),
    _shop("What is the total quantity of order items?", "SELECT SUM(quantity) FROM order_items"),
    _shop(
        "List customers whose country code is JP",
        "SELECT email, first_name, last_name FROM customers WHERE country_code = 'JP'",
    ),
    _shop("When was the latest order placed?", "SELECT MAX(ordered_at) FROM orders"),
    _shop(
        "Which customers have never placed an order?",
        "SELECT c.email FROM customers AS c WHERE NOT EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = c.id)",
    ),
    # demo-billing
    _billing("How many accounts are there?", "SELECT COUNT(*) FROM accounts"),
    _billing("Number of accounts per industry", "SELECT industry, COUNT(*) FROM accounts GROUP BY industry"),
    _billing("How many subscriptions are active?", "SELECT COUNT(*) FROM subscriptions WHERE status = 'active'"),
    _billing(
        "Number of subscriptions per plan",
        "SELECT p.name, COUNT(*) FROM subscriptions AS s JOIN plans AS p ON s.plan_id = p.id GROUP BY p.id",
    ),
    _billing("Total amount paid per payment method", "SELECT method, SUM(amount) FROM payments GROUP BY method"),
    _billing("What is the average amount due of invoices?", "SELECT AVG(amount_due) FROM invoices"),
    _billing("How many invoices are open?", "SELECT COUNT(*) FROM invoices WHERE status = 'open'"),
    _billing(
        "Total payments amount per month",
        "SELECT STRFTIME('%Y-%m', paid_at) AS month, SUM(amount) FROM payments GROUP BY month",
    ),
    _billing("What is the average number of seats of subscriptions?", "SELECT AVG(seats) FROM subscriptions"),
    _billing(
        "Which plan has the highest monthly price?",
        "SELECT name FROM plans ORDER BY monthly_price DESC LIMIT 1",
    ),
    _billing("How many accounts per country?", "SELECT country_code, COUNT(*) FROM accounts GROUP BY country_code"),
    _billing(
        "Total amount due of uncollectible invoices",
        "SELECT SUM(amount_due) FROM invoices WHERE status = 'uncollectible'",
    ),
    _billing(
        "How many subscriptions were canceled in 2024?",
        "SELECT COUNT(*) FROM subscriptions WHERE canceled_at >= '2024-01-01' AND canceled_at < '2025-01-01'",
    ),
    _billing(
        "Total payments per industry of the paying account",
        "SELECT a.industry, SUM(p.amount) FROM payments AS p JOIN invoices AS i ON p.invoice_id = i.id "
        "JOIN subscriptions AS s ON i.subscription_id = s.id JOIN accounts AS a ON s.account_id = a.id "
        "GROUP BY a.industry",
    ),
    _billing(
        "What share of invoices is paid?",
        "SELECT AVG(CASE WHEN status = 'paid' THEN 1.0 ELSE 0 END) FROM invoices",
    ),
    # demo-hr
    _hr("How many employees are there?", "SELECT COUNT(*) FROM employees"),
    _hr(
        "Number of employees per department",
        "SELECT d.name, COUNT(*) FROM employees AS e JOIN departments AS d ON e.department_id = d.id GROUP BY d.id",
    ),
    _hr(
        "Average annual salary per currency",
        "SELECT currency, AVG(annual_amount) FROM salaries GROUP BY currency",
    ),
    _hr(
        "Average annual salary per department",
        "SELECT d.name, AVG(s.annual_amount) FROM salaries AS s JOIN employees AS e ON s.employee_id = e.id "
        "JOIN departments AS d ON e.department_id = d.id GROUP BY d.id",
    ),
    _hr("How many time off requests per kind?", "SELECT kind, COUNT(*) FROM time_off_requests GROUP BY kind"),
    _hr(
        "How many employees were hired in 2020?",
        "SELECT COUNT(*) FROM employees WHERE hired_on >= '2020-01-01' AND hired_on < '2021-01-01'",
    ),
    _hr("List the job titles", "SELECT title FROM job_titles"),
    _hr("How many employees have left the company?", "SELECT COUNT(*) FROM employees WHERE terminated_on IS NOT NULL"),
    _hr("Number of approved time off requests", "SELECT COUNT(*) FROM time_off_requests WHERE approved = 1"),
    _hr(
        "Number of employees per job title",
        "SELECT j.title, COUNT(*) FROM employees AS e JOIN job_titles AS j ON e.job_title_id = j.id GROUP BY j.id",
    ),
    _hr("What is the highest annual salary?", "SELECT MAX(annual_amount) FROM salaries"),
    _hr(
        "Number of employees hired per year",
        "SELECT STRFTIME('%Y', hired_on) AS year, COUNT(*) FROM employees GROUP BY year",
    ),
    _hr(
        "Who manages the most employees?",
        "SELECT m.first_name, m.last_name, COUNT(*) AS reports FROM employees AS e "
        "JOIN employees AS m ON e.manager_id = m.id GROUP BY m.id ORDER BY reports DESC LIMIT 1",
    ),
)

# Written after the planner was tuned on ASK_SET and never tuned on: its accuracy here is the honest estimate.
HELD_OUT: tuple[AskPair, ...] = (
    _shop("How many categories are there?", "SELECT COUNT(*) FROM categories"),
    _shop("Average quantity per order item", "SELECT AVG(quantity) FROM order_items"),
    _shop("How many reviews per rating?", "SELECT rating, COUNT(*) FROM product_reviews GROUP BY rating"),
    _shop(
        "Number of customers who signed up in 2024",
        "SELECT COUNT(*) FROM customers WHERE signed_up_at >= '2024-01-01' AND signed_up_at < '2025-01-01'",
    ),
    _shop("What is the cheapest product?", "SELECT name FROM products ORDER BY unit_price ASC LIMIT 1"),
    _shop(
        "Total order amount per customer country",
        "SELECT c.country_code, SUM(o.total_amount) FROM orders AS o JOIN customers AS c ON o.customer_id = c.id "
        "GROUP BY c.country_code",
    ),
    _shop("How many pending orders are there?", "SELECT COUNT(*) FROM orders WHERE status = 'pending'"),
    _billing("Number of invoices per status", "SELECT status, COUNT(*) FROM invoices GROUP BY status"),
    _billing("What is the total amount of all payments?", "SELECT SUM(amount) FROM payments"),
    _billing("How many payments were made by card?", "SELECT COUNT(*) FROM payments WHERE method = 'card'"),
    _billing(
        "Average seats per plan",
        "SELECT p.name, AVG(s.seats) FROM subscriptions AS s JOIN plans AS p ON s.plan_id = p.id GROUP BY p.id",
    ),
    _billing(
        "Number of subscriptions started per month",
        "SELECT STRFTIME('%Y-%m', started_at) AS month, COUNT(*) FROM subscriptions GROUP BY month",
    ),
    _hr("How many departments do we have?", "SELECT COUNT(*) FROM departments"),
    _hr("Number of sick time off requests", "SELECT COUNT(*) FROM time_off_requests WHERE kind = 'sick'"),
    _hr("What is the lowest annual salary?", "SELECT MIN(annual_amount) FROM salaries"),
    _hr(
        "Which department has the most employees?",
        "SELECT d.name FROM employees AS e JOIN departments AS d ON e.department_id = d.id "
        "GROUP BY d.id ORDER BY COUNT(*) DESC LIMIT 1",
    ),
)
