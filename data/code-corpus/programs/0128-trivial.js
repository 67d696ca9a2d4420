
console.log("hello");
