"""Question pairs on the demo tenants for choosing the paraphrase-reuse threshold, written before any measurement.

`same=True`: the second question asks exactly what the first asks, so the first one's SQL answers it.
`same=False`: close in wording but a different answer (another year, limit, status, direction or measure), so
reusing the first one's SQL would be wrong. Within each kind, positions alternate tuning / held out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionPair:
    tenant: str
    asked: str
    new: str
    same: bool


_SHOP, _BILLING, _HR = "demo-shop", "demo-billing", "demo-hr"

PAIRS: list[QuestionPair] = [
    QuestionPair(_SHOP, "How many orders are there?", "What is the number of orders?", True),
    QuestionPair(_SHOP, "How many orders were placed in 2024?", "How many orders were placed in 2025?", False),
    QuestionPair(_SHOP, "Total revenue per shipping country", "Revenue by destination country in total", True),
    QuestionPair(_SHOP, "Top 5 products by revenue", "Top 10 products by revenue", False),
    QuestionPair(_SHOP, "How many customers do we have?", "What is the total count of customers?", True),
    QuestionPair(_SHOP, "How many orders are paid?", "How many orders are refunded?", False),
    QuestionPair(_SHOP, "Average order value", "What is the mean order total?", True),
    QuestionPair(_SHOP, "Which product has the most reviews?", "Which product has the fewest reviews?", False),
    QuestionPair(_SHOP, "Number of orders per status", "Count orders by status", True),
    QuestionPair(_SHOP, "Average review rating per product", "Highest review rating per product", False),
    QuestionPair(_SHOP, "List all product categories", "Show every product category", True),
    QuestionPair(_SHOP, "Customers per country", "Orders per country", False),
    QuestionPair(_SHOP, "How many products are there?", "Count the products", True),
    QuestionPair(_SHOP, "Revenue in March 2025", "Revenue in April 2025", False),
    QuestionPair(
        _SHOP, "Which customers have placed the most orders?", "Customers with the highest number of orders", True
    ),
    QuestionPair(_SHOP, "Total quantity sold per product", "Total revenue per product", False),
    QuestionPair(_BILLING, "How many accounts are there?", "What is the number of accounts?", True),
    QuestionPair(_BILLING, "How many invoices are paid?", "How many invoices are open?", False),
    QuestionPair(_BILLING, "Total amount paid per payment method", "Sum of payments by method", True),
    QuestionPair(_BILLING, "Accounts created in 2023", "Accounts created in 2024", False),
    QuestionPair(_BILLING, "How many active subscriptions are there?", "Count the active subscriptions", True),
    QuestionPair(_BILLING, "How many subscriptions were canceled?", "How many subscriptions are active?", False),
    QuestionPair(_BILLING, "Average invoice amount due", "What is the mean amount due per invoice?", True),
    QuestionPair(_BILLING, "Top 3 plans by number of subscriptions", "Top 5 plans by number of subscriptions", False),
    QuestionPair(_BILLING, "Number of accounts per industry", "How many accounts does each industry have?", True),
    QuestionPair(_BILLING, "Largest invoice amount", "Smallest invoice amount", False),
    QuestionPair(_BILLING, "List the plans and their monthly price", "Show each plan with its monthly price", True),
    QuestionPair(_BILLING, "Payments made by card", "Payments made by paypal", False),
    QuestionPair(
        _BILLING, "Total seats across all subscriptions", "What is the sum of seats over every subscription?", True
    ),
    QuestionPair(_BILLING, "Accounts per country", "Accounts per industry", False),
    QuestionPair(_BILLING, "How many payments were made?", "What is the count of payments?", True),
    QuestionPair(_BILLING, "Total payments in 2024", "Total invoiced in 2024", False),
    QuestionPair(_HR, "How many employees are there?", "What is the headcount?", True),
    QuestionPair(_HR, "Employees hired in 2020", "Employees hired in 2021", False),
    QuestionPair(_HR, "Number of employees per department", "Headcount by department", True),
    QuestionPair(_HR, "Average salary per department", "Total salary per department", False),
    QuestionPair(_HR, "List all departments", "Show every department", True),
    QuestionPair(_HR, "Top 10 highest paid employees", "Top 3 highest paid employees", False),
    QuestionPair(_HR, "Which department has the most employees?", "Which department has the largest headcount?", True),
    QuestionPair(_HR, "Which department has the most employees?", "Which department has the fewest employees?", False),
    QuestionPair(_HR, "Average annual salary", "What is the mean yearly salary?", True),
    QuestionPair(_HR, "Employees without a manager", "Employees with a manager", False),
    QuestionPair(_HR, "How many job titles are there?", "Count the job titles", True),
    QuestionPair(_HR, "Highest salary in the company", "Lowest salary in the company", False),
    QuestionPair(_HR, "Employees per job title", "How many employees hold each job title?", True),
    QuestionPair(_HR, "Job titles at level 3", "Job titles at level 4", False),
    QuestionPair(_SHOP, "What is our total revenue?", "How much revenue have we made overall?", True),
    QuestionPair(_SHOP, "Orders shipped to Germany", "Orders shipped to France", False),
    QuestionPair(_SHOP, "How many reviews are there?", "Count of product reviews", True),
    QuestionPair(_SHOP, "Products priced above 50", "Products priced above 100", False),
    QuestionPair(_SHOP, "Number of orders per month", "Monthly order count", True),
    QuestionPair(_SHOP, "Number of orders per month", "Number of orders per year", False),
    QuestionPair(_BILLING, "Total amount due on open invoices", "Sum of amount due for invoices that are open", True),
    QuestionPair(_BILLING, "Invoices due in the next 30 days", "Invoices due in the next 60 days", False),
    QuestionPair(_BILLING, "Which plan has the most subscriptions?", "Most subscribed plan", True),
    QuestionPair(_BILLING, "Subscriptions per plan", "Seats per plan", False),
    QuestionPair(_BILLING, "Revenue collected per month", "Monthly payments total", True),
    QuestionPair(_BILLING, "The 5 biggest accounts by seats", "The 5 smallest accounts by seats", False),
    QuestionPair(_HR, "Average salary by job level", "Mean salary per job level", True),
    QuestionPair(_HR, "Employees in the Engineering department", "Employees in the Sales department", False),
    QuestionPair(_HR, "Who are the department heads?", "List the heads of each department", True),
    QuestionPair(_HR, "Employees hired before 2019", "Employees hired after 2019", False),
    QuestionPair(_HR, "Number of managers", "How many employees manage someone?", True),
    QuestionPair(_HR, "Total payroll per department", "Average payroll per department", False),
    QuestionPair(_SHOP, "Which country do most customers come from?", "Country with the most customers", True),
    QuestionPair(_SHOP, "Cancelled orders per month", "Refunded orders per month", False),
    QuestionPair(_BILLING, "How many plans do we offer?", "Number of plans", True),
    QuestionPair(_BILLING, "Invoices issued in January", "Invoices issued in February", False),
    QuestionPair(_HR, "What is the total salary cost?", "Sum of all annual salaries", True),
    QuestionPair(_HR, "Employees with more than 2 direct reports", "Employees with more than 5 direct reports", False),
    QuestionPair(_SHOP, "Average rating of all reviews", "Mean review score", True),
    QuestionPair(_SHOP, "Products with no reviews", "Products with reviews", False),
    QuestionPair(_BILLING, "Number of invoices per status", "Invoice count by status", True),
    QuestionPair(_BILLING, "Accounts with a past due subscription", "Accounts with a trialing subscription", False),
    QuestionPair(_HR, "Headcount per cost center", "Number of employees by cost center", True),
    QuestionPair(_HR, "Newest employee", "Longest serving employee", False),
    QuestionPair(_SHOP, "Revenue per product category", "Total sales by category", True),
    QuestionPair(_SHOP, "Orders over 100 in total", "Orders under 100 in total", False),
    QuestionPair(_BILLING, "Total amount of payments", "How much has been paid in total?", True),
    QuestionPair(_BILLING, "Average seats per subscription", "Maximum seats per subscription", False),
    QuestionPair(_HR, "Employees per manager", "How many reports does each manager have?", True),
    QuestionPair(_HR, "Departments with more than 10 employees", "Departments with fewer than 10 employees", False),
]


def _half(held_out: bool) -> list[QuestionPair]:
    picked = []
    for same in (True, False):
        picked += [p for i, p in enumerate(q for q in PAIRS if q.same is same) if (i % 2 == 1) is held_out]
    return picked


def tuning_pairs() -> list[QuestionPair]:
    """The half the threshold is chosen on."""
    return _half(held_out=False)


def held_out_pairs() -> list[QuestionPair]:
    """The half only measured, never tuned on."""
    return _half(held_out=True)
