import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ApiError } from "../api/client";
import { Empty, ErrorMessage, Loading } from "./States";

describe("page states", () => {
  it("shows an API error's own message as an alert", () => {
    render(<ErrorMessage error={new ApiError("project 'x' not found", 404)} />);
    expect(screen.getByRole("alert").textContent).toBe("project 'x' not found");
  });

  it("says what is loading, politely", () => {
    render(<Loading what="runs" />);
    expect(screen.getByRole("status").textContent).toContain("runs");
  });

  it("renders an empty state's text", () => {
    render(<Empty>No runs yet.</Empty>);
    expect(screen.getByText("No runs yet.")).toBeTruthy();
  });
});
