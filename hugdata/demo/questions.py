"""Plain-language questions over the demo tenants, each with the tables answering it needs (retrieval set)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalQuestion:
    project_id: str
    question: str
    tables: frozenset[str]


def _q(project_id: str, question: str, *tables: str) -> RetrievalQuestion:
    return RetrievalQuestion(project_id, question, frozenset(f"main.{t}" for t in tables))


RETRIEVAL_SET: tuple[RetrievalQuestion, ...] = (
    # demo-shop: catalogue, customers, orders
    _q("demo-shop", "How many customers signed up last month?", "customers"),
    _q("demo-shop", "What is the total revenue per country?", "orders"),
    _q("demo-shop", "Which products sold the most units?", "order_items", "products"),
    _q("demo-shop", "Average star rating per product category", "product_reviews", "products", "categories"),
    _q("demo-shop", "List the ten customers who spent the most", "customers", "orders"),
    _q("demo-shop", "How many orders were cancelled or refunded?", "orders"),
    _q("demo-shop", "Which categories have the most active products?", "categories", "products"),
    _q("demo-shop", "What is the average order value?", "orders"),
    _q("demo-shop", "Show the reviews with the lowest ratings and the product names", "product_reviews", "products"),
    _q("demo-shop", "Number of orders shipped to Germany", "orders"),
    _q("demo-shop", "What is the price of each SKU?", "products"),
    _q("demo-shop", "Which customers have never placed an order?", "customers", "orders"),
    # demo-billing: SaaS subscriptions and invoices
    _q("demo-billing", "What is our monthly recurring revenue by plan?", "subscriptions", "plans"),
    _q("demo-billing", "How many subscriptions were canceled this year?", "subscriptions"),
    _q("demo-billing", "Which accounts have overdue open invoices?", "accounts", "invoices", "subscriptions"),
    _q("demo-billing", "Total payments received by payment method", "payments"),
    _q("demo-billing", "How many accounts are in the fintech industry?", "accounts"),
    _q("demo-billing", "Which plan has the most seats in use?", "plans", "subscriptions"),
    _q("demo-billing", "What share of invoices is paid?", "invoices"),
    _q("demo-billing", "List invoice line items for the largest invoice", "invoice_lines", "invoices"),
    _q("demo-billing", "How many customers are still on a trial?", "subscriptions"),
    _q("demo-billing", "Average number of days between invoice issue and payment", "invoices", "payments"),
    _q("demo-billing", "Which companies pay by bank transfer?", "accounts", "payments", "invoices", "subscriptions"),
    _q("demo-billing", "What does the Business plan cost per month?", "plans"),
    # demo-hr: people, pay and leave
    _q("demo-hr", "How many employees work in each department?", "employees", "departments"),
    _q("demo-hr", "What is the average salary by job title?", "salaries", "job_titles", "employees"),
    _q("demo-hr", "Who are the managers with the most direct reports?", "employees"),
    _q("demo-hr", "How many sick days were taken last year?", "time_off_requests"),
    _q("demo-hr", "Which employees left the company in 2022?", "employees"),
    _q("demo-hr", "List pending vacation requests", "time_off_requests"),
    _q("demo-hr", "Who is the head of the Engineering department?", "departments", "employees"),
    _q("demo-hr", "Total payroll cost per cost center", "salaries", "employees", "departments"),
    _q("demo-hr", "How many directors do we have?", "job_titles", "employees"),
    _q("demo-hr", "Which employees were hired most recently?", "employees"),
    _q("demo-hr", "Salaries paid in euros", "salaries"),
    _q("demo-hr", "Average length of parental leave", "time_off_requests"),
)
