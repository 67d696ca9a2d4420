const options = {  };
console.log("hello");
