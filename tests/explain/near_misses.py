"""Near-miss pairs for answer reuse, written 2026-12-07 before the reuse check was run on them: a past question with
the SQL that answered it, and a new question with the same words but another grouping, filter, measure, order or
limit. None may be answered with the past SQL. Beside them, true paraphrases that may be."""

from __future__ import annotations

COUNT_CUSTOMERS = "SELECT COUNT(*) FROM customers"
COUNT_ORDERS = "SELECT COUNT(*) FROM orders"
REVENUE = "SELECT SUM(total_amount) FROM orders"
PRODUCTS = "SELECT name, unit_price FROM products"
TOP_PRODUCTS = "SELECT name, unit_price FROM products ORDER BY unit_price DESC LIMIT 5"
BY_STATUS = "SELECT status, COUNT(*) FROM orders GROUP BY status"
AVG_RATING = "SELECT AVG(rating) FROM product_reviews"

# (past question, its SQL, new question): the new one needs something the SQL does not do.
NEAR_MISSES: list[tuple[str, str, str]] = [
    # another grouping
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers are there per country?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers are there by country code?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers signed up each month?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers signed up per year?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders are there per status?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders are there in each shipping country?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders are there per customer?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders were placed each month?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders are there by day?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue per month?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue by shipping country?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue per customer?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue by order status?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue per year?"),
    ("How many orders per status?", BY_STATUS, "How many orders per shipping country?"),
    ("How many orders per status?", BY_STATUS, "How many orders per customer?"),
    ("What is the average rating?", AVG_RATING, "What is the average rating per product?"),
    ("What is the average rating?", AVG_RATING, "What is the average rating by customer?"),
    ("What is the average rating?", AVG_RATING, "What is the average rating each month?"),
    ("How many products are there?", "SELECT COUNT(*) FROM products", "How many products are there per category?"),
    # another filter
    ("How many orders are there?", COUNT_ORDERS, "How many paid orders are there?"),
    ("How many orders are there?", COUNT_ORDERS, "How many cancelled orders are there?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders were shipped to Germany?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders were placed in 2025?"),
    ("How many orders are there?", COUNT_ORDERS, "How many orders are over 100?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers are from France?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers signed up in 2024?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue from paid orders?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue in 2025?"),
    ("What is our total revenue?", REVENUE, "What is our total revenue from Germany?"),
    ("List the products with their price", PRODUCTS, "List the active products with their price"),
    ("List the products with their price", PRODUCTS, "List the products over 50 with their price"),
    ("List the products with their price", PRODUCTS, "List the products in the books category with their price"),
    ("What is the average rating?", AVG_RATING, "What is the average rating of five star reviews?"),
    ("What is the average rating?", AVG_RATING, "What is the average rating of reviews in 2024?"),
    ("How many products are there?", "SELECT COUNT(*) FROM products", "How many inactive products are there?"),
    # another measure
    ("What is our total revenue?", REVENUE, "What is our average revenue?"),
    ("What is our total revenue?", REVENUE, "What is our largest order?"),
    ("What is our total revenue?", REVENUE, "What is our smallest order amount?"),
    ("What is our total revenue?", REVENUE, "How many orders make up our revenue?"),
    ("What is the average rating?", AVG_RATING, "What is the lowest rating?"),
    ("What is the average rating?", AVG_RATING, "What is the highest rating?"),
    ("What is the average rating?", AVG_RATING, "How many ratings are there?"),
    ("How many orders are there?", COUNT_ORDERS, "What is the total quantity ordered?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "How many orders are there?"),
    ("List the products with their price", PRODUCTS, "List the products with their category"),
    ("List the products with their price", PRODUCTS, "List the products with their sku"),
    ("How many orders per status?", BY_STATUS, "What is the revenue per status?"),
    ("How many orders per status?", BY_STATUS, "What is the average order amount per status?"),
    # another order
    ("Top 5 most expensive products", TOP_PRODUCTS, "Top 5 cheapest products"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "5 lowest priced products"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "Top 5 newest products"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "Top 5 products by rating"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "Top 5 best selling products"),
    ("List the products with their price", PRODUCTS, "List the products with their price, cheapest first"),
    ("List the products with their price", PRODUCTS, "List the products with their price, sorted by name"),
    # another limit
    ("Top 5 most expensive products", TOP_PRODUCTS, "Top 10 most expensive products"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "The 3 most expensive products"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "The single most expensive product"),
    ("List the products with their price", PRODUCTS, "List the first 20 products with their price"),
]

# (past question, its SQL, new question): the same question in other words.
PARAPHRASES: list[tuple[str, str, str]] = [
    ("How many customers are there?", COUNT_CUSTOMERS, "How many customers do we have?"),
    ("How many customers are there?", COUNT_CUSTOMERS, "Count the customers"),
    ("What is our total revenue?", REVENUE, "What is the total revenue?"),
    ("How many orders per status?", BY_STATUS, "How many orders are there for each status?"),
    ("What is the average rating?", AVG_RATING, "Average rating of the reviews"),
    ("Top 5 most expensive products", TOP_PRODUCTS, "The 5 most expensive products"),
]
